/**
 * JSON bodies only, within a size limit. Reads `req.rawBody` where a runtime already buffered the
 * body, else the stream (the `api` function, whose bodies the runtime leaves alone:
 * platform/unparsed-bodies.ts; plain Node servers in tests and benchmarks), and parses it here so
 * every failure gets the contract's error rather than a framework's HTML page.
 */
import type { Request } from 'express';
import { KeywardError } from '../errors';
import { jsonProblem } from '../lib/strict-json';
import { readBody } from './read-body';

/**
 * How much of a body over the limit is read and thrown away before the connection is closed
 * instead: Cloud Run's own request size limit (32 MiB), so in production every body that reaches
 * an instance is read to its end (http/read-body.ts says why that matters).
 */
export const DRAIN_LIMIT_BYTES = 32 * 1024 * 1024;

export async function rawBody(req: Request & { rawBody?: Buffer }, limit: number, drainLimit = DRAIN_LIMIT_BYTES): Promise<Buffer> {
  if (Buffer.isBuffer(req.rawBody)) {
    if (req.rawBody.length > limit) throw tooLarge(limit);
    return req.rawBody;
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (req.readableEnded || (declared === 0 && req.headers['transfer-encoding'] === undefined)) return Buffer.alloc(0);
  const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const usable = encoding === 'identity' && declared <= limit;
  // Every refusal below is answered only after the body is read (or the connection is to close).
  const read = await readBody(req, usable ? limit : 0, drainLimit);
  if (!read.complete) req.res?.set('Connection', 'close');
  if (encoding !== 'identity') {
    throw new KeywardError('unsupported_media_type', 'Send the request body uncompressed (no Content-Encoding).');
  }
  if (read.bytes === undefined) throw tooLarge(limit);
  // Kept for whatever reads the body next: the stream can be read once.
  req.rawBody = read.bytes;
  return req.rawBody;
}

function tooLarge(limit: number): KeywardError {
  return new KeywardError('payload_too_large', `The request body is larger than ${limit} bytes.`);
}

/** Parses a JSON object body; an empty body is `{}`. Form posts are refused (a CSRF defence too). */
export function parseJsonObject(body: Buffer, contentType: string | undefined): Record<string, unknown> {
  if (body.length === 0) return {};
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new KeywardError('unsupported_media_type', 'Send the request body as application/json.');
  }
  let parsed: unknown;
  const text = body.toString('utf8');
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new KeywardError('invalid_json', 'The request body is not valid JSON.');
  }
  const problem = jsonProblem(text);
  if (problem === 'duplicate_key') throw new KeywardError('invalid_json', 'The request body repeats a key; send each field once.');
  if (problem === 'lone_surrogate') throw new KeywardError('invalid_json', 'The request body holds a lone UTF-16 surrogate, which is not text.');
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new KeywardError('invalid_request', 'The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}
