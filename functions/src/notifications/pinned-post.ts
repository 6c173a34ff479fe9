/**
 * One webhook POST to the address that was checked, not to whatever the name resolves to when the
 * socket opens: the host is resolved and judged once (notifications/destination.ts) and the
 * connection's `lookup` answers with that address only. The URL's name stays the Host header and
 * the TLS server name, so the receiver's certificate is still verified for it. Redirects are never
 * followed (node:http does not), and the answer's body is never read: only its status counts.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { checkDestination, type Destination, type DestinationPolicy } from './destination';

export interface WebhookPost {
  headers: Record<string, string>;
  body: string;
  /** The whole attempt, resolution included. */
  timeoutMs: number;
}

/**
 * The receiver's HTTP status; `refused` when the name resolves to an address a webhook may not
 * reach (nothing was sent), `failed` when it did not resolve or did not answer in time.
 */
export async function postWebhook(url: string, policy: DestinationPolicy, post: WebhookPost): Promise<number | 'refused' | 'failed'> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return 'failed';
  }
  const signal = AbortSignal.timeout(post.timeoutMs);
  const to = await checkDestination(target.hostname, policy, signal);
  if (to === 'refused') return 'refused';
  if (to === 'unresolved') return 'failed';
  try {
    return await postTo(target, to, post, signal);
  } catch {
    return 'failed';
  }
}

function postTo(target: URL, to: Destination, post: WebhookPost, signal: AbortSignal): Promise<number> {
  // Called for a name only (an address literal is connected to as it is, and was checked as it is).
  const lookup: LookupFunction = (_name, options, callback) => {
    if (options.all) callback(null, [{ address: to.address, family: to.family }]);
    else callback(null, to.address, to.family);
  };
  return new Promise((resolve, reject) => {
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      target,
      {
        method: 'POST',
        headers: { ...post.headers, 'content-length': String(Buffer.byteLength(post.body)) },
        lookup,
        agent: false, // a fresh connection: never a pooled socket opened for another address
        signal,
      },
      (res) => {
        resolve(res.statusCode ?? 0);
        res.destroy();
      },
    );
    req.on('error', reject);
    req.end(post.body);
  });
}
