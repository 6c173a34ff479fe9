/**
 * Route handlers are plain async functions from an ApiRequest to an ApiResponse: no Express in
 * route files. `route()` adapts one to Express: request info, body, authentication, the JSON
 * response, and every error in the contract's shape.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Authenticate } from '../credentials/pipeline';
import type { Identity } from '../credentials/identity';
import { rawBody, parseJsonObject } from './body';
import { ApiError, errorBody, toApiError } from './errors';
import { requestInfo, type NetworkView, type RequestInfo } from './request-info';

export interface ApiRequest {
  info: RequestInfo;
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
}

export interface HttpDeps {
  authenticate: Authenticate;
  bodyLimitBytes: number;
  network: NetworkView;
}

export function sendError(res: Response, err: unknown, requestId?: string): void {
  const apiError = toApiError(err);
  if (apiError.status >= 500 && !(err instanceof ApiError)) {
    // A fault: log it for operators (message and stack only: request data may hold credentials).
    console.error(JSON.stringify({ severity: 'ERROR', message: 'unhandled error', requestId, error: String((err as Error)?.stack ?? err) }));
  }
  // The error's own headers come last: one that clears a cookie also says `private` (see sessions/cookie.ts).
  res.status(apiError.status).set('Cache-Control', 'no-store').set(apiError.headers).json(errorBody(apiError));
}

export function route(deps: HttpDeps, handler: Handler, options: RouteOptions = {}) {
  const needsAuth = options.auth ?? true;
  return async (req: Request, res: Response, _next: NextFunction): Promise<void> => {
    const info = requestInfo(req, deps.network);
    res.set('X-Request-Id', info.requestId);
    if (needsAuth || options.secret) res.set('Cache-Control', 'no-store');
    try {
      info.rawBody = await rawBody(req, deps.bodyLimitBytes);
      info.body = parseJsonObject(info.rawBody, req.headers['content-type']);
      const identity = needsAuth ? await deps.authenticate(info) : (undefined as unknown as Identity);
      const out = await handler({
        info,
        params: req.params as Record<string, string>,
        query: new URLSearchParams(info.rawQuery),
        body: info.body,
        identity,
      });
      if (out.headers) res.set(out.headers);
      if (out.cookies?.length) res.append('Set-Cookie', out.cookies);
      if (out.body === undefined) res.status(out.status ?? 204).end();
      else res.status(out.status ?? 200).json(out.body);
    } catch (err) {
      sendError(res, err, info.requestId);
    }
  };
}
