/**
 * Builds the transport-neutral request context (../request.ts) from an Express request, once.
 * The client address is derived here and nowhere else, by the trusted-proxy rule (lib/client-address.ts).
 * The Functions emulator adds no `X-Forwarded-For` and hands requests over without a socket
 * address, so there the caller is the loopback interface it listens on.
 */
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import { clientIp, type TrustedProxies } from '../lib/client-address';
import type { RequestContext } from '../request';

export { clientIp };

const MAX_HEADER_ECHO = 256;

/** Every `X-Forwarded-For` line, in order (Node joins repeats with `, `, which is what we want). */
function forwardedFor(req: Request): string | undefined {
  const value = req.headers['x-forwarded-for'];
  return Array.isArray(value) ? value.join(',') : value;
}

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** How the client address is derived: the trusted proxies, and whether we run in the emulator. */
export interface NetworkView {
  trustedProxies: TrustedProxies;
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
    ip: clientIp(forwardedFor(req), req.socket?.remoteAddress ?? (network.emulated ? '127.0.0.1' : undefined), network.trustedProxies),
    userAgent: (header(req, 'user-agent') ?? '').slice(0, MAX_HEADER_ECHO),
    origin: header(req, 'origin'),
    headers: req.headers,
    rawHeaders: req.rawHeaders ?? [],
    rawBody: Buffer.alloc(0),
    body: {},
  };
}
