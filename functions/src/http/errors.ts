/**
 * The contract's error shape at the HTTP edge: `{"error": {"code", "message"}}`, the status for
 * each domain code (a mapped type: a code without a status does not compile), and the headers
 * its details call for.
 */
import { asKeywardError, type ErrorCode, type KeywardError } from '../errors';

export const STATUS: { readonly [C in ErrorCode]: number } = {
  invalid_request: 400,
  invalid_json: 400,
  multiple_credentials: 400,
  credential_in_url: 400,
  unsupported_media_type: 415,
  unauthenticated: 401,
  invalid_credential: 401,
  expired_credential: 401,
  revoked_credential: 401,
  recent_sign_in_required: 401,
  invalid_signature: 401,
  stale_request: 401,
  replayed_request: 401,
  app_check_required: 401,
  invalid_app_check: 401,
  forbidden: 403,
  insufficient_scope: 403,
  origin_not_allowed: 403,
  server_key_in_browser: 403,
  ip_not_allowed: 403,
  cross_site_request: 403,
  interactive_credential_required: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  quota_exceeded: 429,
  unavailable: 503,
  internal: 500,
};

export const statusOf = (err: KeywardError): number => STATUS[err.code];

/** `RateLimit-*` fields (IETF httpapi draft), and `Retry-After` when `retryAfterSeconds` is set. */
export function rateLimitHeaders(state: { limit: number; remaining: number; resetSeconds: number }, retryAfterSeconds?: number): Record<string, string> {
  const headers: Record<string, string> = {
    'RateLimit-Limit': String(state.limit),
    'RateLimit-Remaining': String(state.remaining),
    'RateLimit-Reset': String(state.resetSeconds),
  };
  if (retryAfterSeconds !== undefined) headers['Retry-After'] = String(retryAfterSeconds);
  return headers;
}

/** The response headers an error's details call for: a 401 always challenges, a 429 or 503 always says when to retry. */
export function errorHeaders(err: KeywardError): Record<string, string> {
  const status = statusOf(err);
  const { retryAfterSeconds, challenge, allow, rateLimit } = err.details;
  const retry = retryAfterSeconds ?? (status === 429 || status === 503 ? 5 : undefined);
  const headers: Record<string, string> = rateLimit ? rateLimitHeaders(rateLimit, retry) : {};
  if (retry !== undefined) headers['Retry-After'] = String(retry);
  if (status === 401) headers['WWW-Authenticate'] = challenge ?? 'Bearer';
  if (allow) headers.Allow = allow.join(', ');
  return headers;
}

export function errorBody(err: KeywardError): { error: { code: ErrorCode; message: string; field?: string } } {
  return { error: { code: err.code, message: err.message, ...(err.details.field ? { field: err.details.field } : {}) } };
}

export { asKeywardError };
