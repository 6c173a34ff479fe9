/**
 * CORS for the REST API, so a page on another origin (`<keyward-api-keys>` with a `getIdToken`
 * callback) can call `/v1` with an ID token. Only the origins of KEYWARD_ALLOWED_ORIGINS get an
 * answer; any other origin gets no CORS header at all, so its page cannot read a response.
 *
 * Never `Access-Control-Allow-Credentials`: a page elsewhere authenticates with a bearer token it
 * holds, never with the `__session` cookie, and the browser then neither sends the cookie on a
 * credentialed request nor shows the page the answer. The cookie's own cross-site rule
 * (sessions/csrf.ts) still refuses a state change a browser sends with it from another origin.
 *
 * `Authorization` and `Content-Type` are the only request headers granted: a preflight for
 * `X-Forwarded-Host` is never granted, which the own-origin rule of sessions/csrf.ts relies on.
 */
import type { NextFunction, Request, Response } from 'express';
import { normalizeOrigin } from '../keys/restrictions';

export const CORS_METHODS = 'GET, POST, PUT, PATCH, DELETE';
export const CORS_REQUEST_HEADERS = 'Authorization, Content-Type';
/** What a page may read of an answer besides the CORS-safelisted headers. */
export const CORS_EXPOSED_HEADERS = 'Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, WWW-Authenticate, X-Request-Id';
const MAX_AGE_SECONDS = '600';

export interface CorsRequest {
  method: string;
  path: string;
  origin: string | undefined;
  /** `Access-Control-Request-Method`: present on a preflight. */
  requestMethod: string | undefined;
}

export type CorsAnswer =
  /** Not a CORS request for us (no Origin, another path, an origin not listed). */
  | { kind: 'none'; headers: Record<string, string> }
  /** A preflight of a listed origin: answered 204 here, never passed to a route. */
  | { kind: 'preflight'; headers: Record<string, string> }
  /** An actual request of a listed origin: the route answers, with these headers added. */
  | { kind: 'actual'; headers: Record<string, string> };

/** Pure: the CORS answer to a request, given the listed origins (already checked by config.ts). */
export function corsAnswer(req: CorsRequest, allowedOrigins: readonly string[]): CorsAnswer {
  if (allowedOrigins.length === 0 || !req.path.startsWith('/v1/')) return { kind: 'none', headers: {} };
  // Answers differ per Origin: a shared cache must not hand one origin's answer to another.
  const vary = { Vary: 'Origin' };
  const origin = req.origin === undefined ? undefined : normalizeOrigin(req.origin.trim());
  const listed = allowedOrigins.map((o) => normalizeOrigin(o) ?? o);
  if (!origin || !listed.includes(origin)) return { kind: 'none', headers: vary };
  if (req.method === 'OPTIONS' && req.requestMethod !== undefined) {
    return {
      kind: 'preflight',
      headers: {
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Methods': CORS_METHODS,
        'Access-Control-Allow-Headers': CORS_REQUEST_HEADERS,
        'Access-Control-Max-Age': MAX_AGE_SECONDS,
        Vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
      },
    };
  }
  return { kind: 'actual', headers: { 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': CORS_EXPOSED_HEADERS, ...vary } };
}

/** The Express edge of corsAnswer: sets the headers, and ends a preflight with 204. */
export function cors(allowedOrigins: readonly string[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.headers.origin;
    const requestMethod = req.headers['access-control-request-method'];
    const answer = corsAnswer(
      { method: req.method, path: req.path, origin: typeof origin === 'string' ? origin : undefined, requestMethod: typeof requestMethod === 'string' ? requestMethod : undefined },
      allowedOrigins,
    );
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    if (answer.kind === 'preflight') {
      res.status(204).setHeader('Content-Length', '0');
      res.end();
      return;
    }
    next();
  };
}
