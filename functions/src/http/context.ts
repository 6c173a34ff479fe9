/**
 * Builds the transport-neutral request context (../request.ts) from an Express request, once.
 * The client address is derived here and nowhere else: production Hosting adds
 * `X-Forwarded-For`; the Functions emulator adds nothing and hands requests over without a
 * socket address, so there the caller is the loopback interface it listens on.
 */
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../request';

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

export function requestContext(req: Request, network: NetworkView): RequestContext {
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
