/**
 * The parts of an HTTP request the credential pipeline and the audit trail look at, taken from
 * Express once. The client address is derived here and nowhere else: production Hosting adds
 * `X-Forwarded-For`; the Functions emulator adds nothing and hands requests over without a
 * socket address, so there the caller is the loopback interface it listens on.
 */
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';

export interface RequestInfo {
  requestId: string;
  method: string;
  /** Path without the query string. */
  path: string;
  /** The raw query string, without `?` ('' when there is none). */
  rawQuery: string;
  ip: string;
  userAgent: string;
  origin: string | undefined;
  headers: Request['headers'];
  rawHeaders: string[];
  rawBody: Buffer;
  body: Record<string, unknown>;
}

const MAX_HEADER_ECHO = 256;

/** Index from the right of `X-Forwarded-For` that the nearest trusted proxy wrote. */
export function clientIp(forwardedFor: string | undefined, socketAddress: string | undefined, proxyHops = 1): string {
  if (forwardedFor) {
    const hops = forwardedFor.split(',').map((s) => s.trim()).filter(Boolean);
    const chosen = hops[Math.max(0, hops.length - proxyHops)];
    if (chosen) return chosen.slice(0, 64);
  }
  const addr = socketAddress ?? '';
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** How the client address is derived: trusted proxy hops, and whether we run in the emulator. */
export interface NetworkView {
  proxyHops: number;
  emulated: boolean;
}

export function requestInfo(req: Request, network: NetworkView): RequestInfo {
  const url = req.originalUrl ?? req.url;
  const q = url.indexOf('?');
  return {
    requestId: randomUUID(),
    method: req.method,
    path: q === -1 ? url : url.slice(0, q),
    rawQuery: q === -1 ? '' : url.slice(q + 1),
    ip: clientIp(header(req, 'x-forwarded-for'), req.socket?.remoteAddress, network.proxyHops) || (network.emulated ? '127.0.0.1' : ''),
    userAgent: (header(req, 'user-agent') ?? '').slice(0, MAX_HEADER_ECHO),
    origin: header(req, 'origin'),
    headers: req.headers,
    rawHeaders: req.rawHeaders ?? [],
    rawBody: Buffer.alloc(0),
    body: {},
  };
}
