/**
 * The edge of the OAuth endpoints (`/oauth/*`): like `route()` (http/handler.ts), but the body is
 * a form and every error is an OAuth error (`{"error", "error_description"}`, oauth/errors.ts),
 * because OAuth clients read that shape. Responses are never cached (RFC 6749 §5.1).
 */
import type { NextFunction, Request, Response, Router } from 'express';
import { BASIC_CHALLENGE, OAuthError, oauthErrorBody, toOAuthError } from '../oauth/errors';
import { parseForm } from '../oauth/form';
import type { RequestContext } from '../request';
import { rawBody } from './body';
import { recordRoute } from './endpoint';
import { requestContext } from './context';
import { errorHeaders } from './errors';
import type { ApiResponse, HttpDeps } from './handler';

export interface OAuthRequest {
  info: RequestContext;
  form: Map<string, string>;
}

export type OAuthHandler = (req: OAuthRequest) => Promise<ApiResponse>;

/** The OAuth error, with `Retry-After` / `RateLimit-*` from the Keyward error it stands for and OAuth's Basic challenge. */
export function sendOAuthError(res: Response, err: unknown, requestId?: string): void {
  const oauthError = toOAuthError(err);
  const headers: Record<string, string> = oauthError.source ? errorHeaders(oauthError.source) : {};
  delete headers['WWW-Authenticate'];
  if (oauthError.status === 401) headers['WWW-Authenticate'] = BASIC_CHALLENGE;
  if (oauthError.allow) headers.Allow = oauthError.allow.join(', ');
  if (oauthError.status >= 500) {
    const cause = oauthError.source?.details.cause;
    console.error(JSON.stringify({ severity: 'ERROR', message: oauthError.message, code: oauthError.code, requestId, cause: cause === undefined ? undefined : String((cause as Error)?.stack ?? cause).slice(0, 4000) }));
  }
  res.status(oauthError.status).set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).set(headers).json(oauthErrorBody(oauthError));
}

/** `POST path` with a form body; any other method is 405 with `Allow: POST`, in OAuth's shape. */
export function oauthEndpoint(router: Router, deps: HttpDeps, path: string, handler: OAuthHandler): void {
  recordRoute(router, { method: 'POST', path, auth: false, errors: 'oauth' });
  router.post(path, async (req: Request, res: Response, _next: NextFunction) => {
    const info = requestContext(req, deps.network);
    res.set({ 'X-Request-Id': info.requestId, 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    try {
      info.rawBody = await rawBody(req, deps.bodyLimitBytes);
      const out = await handler({ info, form: parseForm(info.rawBody, req.headers['content-type'], info.rawQuery) });
      if (out.headers) res.set(out.headers);
      res.status(out.status ?? 200).json(out.body);
    } catch (err) {
      sendOAuthError(res, err, info.requestId);
    }
  });
  router.all(path, (_req, res) => sendOAuthError(res, new OAuthError('invalid_request', 'Use POST on this path.', 405, undefined, ['POST'])));
}
