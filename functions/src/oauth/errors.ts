/**
 * OAuth 2.0 error responses (RFC 6749 §5.2, RFC 7662 §2.3): `{"error", "error_description"}`.
 * The OAuth endpoints answer in this shape, not the `/v1` one, because OAuth clients read it.
 * Keyward's own errors map onto it in one table, which the compiler keeps complete. The HTTP
 * edge (http/oauth.ts) renders them, with the headers the Keyward error's details call for.
 */
import { KeywardError, type ErrorCode } from '../errors';

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'temporarily_unavailable'
  | 'server_error';

export class OAuthError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    message: string,
    readonly status = 400,
    /** The Keyward error it stands for: its details (Retry-After, rate limit) become headers. */
    readonly source?: KeywardError,
    /** The methods a path accepts (405). */
    readonly allow?: readonly string[],
  ) {
    super(message);
    this.name = 'OAuthError';
  }
}

/** RFC 6749 §5.2: failed client authentication is a 401 challenging with the scheme the client may use. */
export const BASIC_CHALLENGE = 'Basic realm="keyward", charset="UTF-8"';

export function invalidClient(message: string): OAuthError {
  return new OAuthError('invalid_client', message, 401);
}

const OAUTH_CODE: { readonly [C in ErrorCode]: OAuthErrorCode } = {
  invalid_request: 'invalid_request',
  invalid_json: 'invalid_request',
  multiple_credentials: 'invalid_request',
  credential_in_url: 'invalid_request',
  unsupported_media_type: 'invalid_request',
  method_not_allowed: 'invalid_request',
  not_found: 'invalid_request',
  conflict: 'invalid_request',
  payload_too_large: 'invalid_request',
  unauthenticated: 'invalid_client',
  invalid_credential: 'invalid_client',
  expired_credential: 'invalid_client',
  revoked_credential: 'invalid_client',
  recent_sign_in_required: 'invalid_client',
  invalid_signature: 'invalid_client',
  stale_request: 'invalid_client',
  replayed_request: 'invalid_client',
  interactive_credential_required: 'unauthorized_client',
  server_key_in_browser: 'unauthorized_client',
  app_check_required: 'invalid_client',
  invalid_app_check: 'invalid_client',
  origin_not_allowed: 'unauthorized_client',
  ip_not_allowed: 'unauthorized_client',
  // A cookie is never an OAuth client, wherever it comes from: the same invalid_client as a same-site one.
  cross_site_request: 'invalid_client',
  forbidden: 'unauthorized_client',
  insufficient_scope: 'invalid_scope',
  rate_limited: 'temporarily_unavailable',
  quota_exceeded: 'temporarily_unavailable',
  unavailable: 'temporarily_unavailable',
  internal: 'server_error',
};

/** RFC 6749's statuses: 400, except 401 for client authentication and the statuses of limits, outages, faults and sizes. */
const SPECIAL_STATUS: Partial<Record<ErrorCode, number>> = { payload_too_large: 413, method_not_allowed: 405, rate_limited: 429, quota_exceeded: 429, unavailable: 503, internal: 500 };

/** Any error as an OAuthError; faults become `server_error` without detail. */
export function toOAuthError(err: unknown): OAuthError {
  if (err instanceof OAuthError) return err;
  const keyward = err instanceof KeywardError ? err : new KeywardError('internal', 'Something went wrong on our side.', { cause: err });
  const code = OAUTH_CODE[keyward.code];
  const status = code === 'invalid_client' ? 401 : (SPECIAL_STATUS[keyward.code] ?? 400);
  return new OAuthError(code, keyward.message, status, keyward);
}

export function oauthErrorBody(err: OAuthError): { error: OAuthErrorCode; error_description: string } {
  return { error: err.code, error_description: err.message };
}
