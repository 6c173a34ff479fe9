/**
 * Route handlers are plain async functions from an ApiRequest to an ApiResponse: no Express in
 * route files. `route()` adapts one to Express: request info, body, authentication, the JSON
 * response, and every error in the contract's shape.
 */
import type { NextFunction, Request, Response } from 'express';
import type { AuditSink } from '../audit/events';
import { auditDenied, type Authenticate } from '../credentials/pipeline';
import type { Identity } from '../identity';
import { rawBody, parseJsonObject } from './body';
import { isFault, isKeywardError } from '../errors';
import { asKeywardError, errorBody, errorHeaders, rateLimitHeaders, statusOf } from './errors';
import type { RequestContext } from '../request';
import { requestContext, type NetworkView } from './context';

export interface ApiRequest {
  info: RequestContext;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  /** Set on routes that require a credential. */
  identity: Identity;
}

export interface ApiResponse {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Full `Set-Cookie` values. */
  cookies?: string[];
}

export type Handler = (req: ApiRequest) => Promise<ApiResponse>;

export interface RouteOptions {
  /** Authenticate first (default true). */
  auth?: boolean;
  /** A response that carries a secret: never cached, even when unauthenticated. */
  secret?: boolean;
  /** Headers this route adds to its error responses. */
  errorHeaders?: ErrorDecorator;
  /** This route's body limit, when it differs from `HttpDeps.bodyLimitBytes`. */
  bodyLimitBytes?: number;
  /** Leave the body unparsed (`info.rawBody`): for bodies that are not a JSON object, or whose bytes are signed. */
  rawBody?: boolean;
}

export interface HttpDeps {
  authenticate: Authenticate;
  /** Where refusals of authenticated requests are audited (`access.denied`). */
  audit?: AuditSink;
  bodyLimitBytes: number;
  network: NetworkView;
}

/** Extra headers for an error's response, by the route that raised it (a cookie to clear). */
export type ErrorDecorator = (err: import('../errors').KeywardError) => Record<string, string>;

export function sendError(res: Response, err: unknown, requestId?: string, decorate?: ErrorDecorator): void {
  const error = asKeywardError(err);
  if (isFault(error)) {
    // Every 5xx is logged for operators with its cause (message and stack only: request data may hold credentials).
    const cause = isKeywardError(err) ? err.details.cause : err;
    console.error(JSON.stringify({ severity: 'ERROR', message: error.message, code: error.code, requestId, cause: describeCause(cause) }));
  }
  // The route's own headers come last: one that clears a cookie also says `private` (see sessions/cookie.ts).
  res.status(statusOf(error)).set('Cache-Control', 'no-store').set(errorHeaders(error)).set(decorate?.(error) ?? {}).json(errorBody(error));
}

function describeCause(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  const text = cause instanceof Error ? `${cause.stack ?? cause.message}${cause.cause !== undefined ? `\ncaused by: ${describeCause(cause.cause)}` : ''}` : String(cause);
  return text.slice(0, 4000);
}

export function route(deps: HttpDeps, handler: Handler, options: RouteOptions = {}) {
  const needsAuth = options.auth ?? true;
  return async (req: Request, res: Response, _next: NextFunction): Promise<void> => {
    const info = requestContext(req, deps.network);
    res.set('X-Request-Id', info.requestId);
    if (needsAuth || options.secret) res.set('Cache-Control', 'no-store');
    let identity: Identity | undefined;
    try {
      info.rawBody = await rawBody(req, options.bodyLimitBytes ?? deps.bodyLimitBytes);
      if (!options.rawBody) info.body = parseJsonObject(info.rawBody, req.headers['content-type']);
      if (needsAuth) identity = await deps.authenticate(info);
      const out = await handler({
        info,
        params: req.params as Record<string, string>,
        query: new URLSearchParams(info.rawQuery),
        body: info.body,
        identity: identity as Identity,
      });
      // A key's remaining allowance rides on every response it gets (the route may set its own).
      if (identity?.allowanceLeft) res.set(rateLimitHeaders(identity.allowanceLeft.rateLimit));
      if (out.headers) res.set(out.headers);
      if (out.cookies?.length) res.append('Set-Cookie', out.cookies);
      if (out.body === undefined) res.status(out.status ?? 204).end();
      else res.status(out.status ?? 200).json(out.body);
    } catch (err) {
      if (identity && deps.audit) auditDenied(deps.audit, identity, info, err);
      sendError(res, err, info.requestId, options.errorHeaders);
    }
  };
}
