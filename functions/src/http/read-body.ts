/**
 * Reads a request body off the wire, keeping at most `keep` bytes. A body over `keep` is still
 * read to its end and thrown away (up to `drainLimit` bytes), never left unread: a server that
 * answers and then stops reading leaves the sender writing into a socket that is reset later, and
 * a proxy in front may not survive that (the Functions emulator's exits, taking the local stack
 * with it). Past `drainLimit` reading stops; the caller closes the connection after its answer.
 */
import type { Readable } from 'node:stream';

export interface BodyRead {
  /** The body, or undefined when it was longer than `keep` (or than `drainLimit`). */
  bytes: Buffer | undefined;
  /** Bytes read. */
  size: number;
  /** Whether the body was read to its end (false: over `drainLimit`, the rest is still on the wire). */
  complete: boolean;
}

export function readBody(stream: Readable, keep: number, drainLimit: number): Promise<BodyRead> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (finish: () => void) => {
      stream.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      finish();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= keep) chunks.push(chunk);
      else chunks.length = 0;
      if (size > drainLimit) {
        stream.pause();
        settle(() => resolve({ bytes: undefined, size, complete: false }));
      }
    };
    const onEnd = () => settle(() => resolve({ bytes: size <= keep ? Buffer.concat(chunks) : undefined, size, complete: true }));
    const onError = (err: Error) => settle(() => reject(err));
    // The sender went away before the body ended.
    const onClose = () => settle(() => reject(new Error('The connection closed before the request body ended.')));
    stream.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
  });
}
