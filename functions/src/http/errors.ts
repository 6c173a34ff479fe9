/**
 * The contract's error shape: `{"error": {"code", "message"}}`. Codes are a closed union and the
 * status table is a mapped type, so adding a code without a status does not compile.
 */
export type ErrorCode =
  | 'invalid_request'
  | 'invalid_json'
  | 'multiple_credentials'
  | 'credential_in_url'
  | 'unsupported_media_type'
  | 'unauthenticated'
  | 'invalid_credential'
  | 'expired_credential'
  | 'revoked_credential'
  | 'recent_sign_in_required'
  | 'invalid_signature'
  | 'stale_request'
  | 'replayed_request'
  | 'forbidden'
  | 'insufficient_scope'
  | 'origin_not_allowed'
  | 'ip_not_allowed'
  | 'cross_site_request'
  | 'interactive_credential_required'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'payload_too_large'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

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
  forbidden: 403,
  insufficient_scope: 403,
  origin_not_allowed: 403,
  ip_not_allowed: 403,
  cross_site_request: 403,
  interactive_credential_required: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers, e.g. `Retry-After` or `Allow`. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = STATUS[code];
  }
}

export const isApiError = (err: unknown): err is ApiError => err instanceof ApiError;

/** Anything that is not an ApiError is a fault: the caller sees a generic message, never the detail. */
export function toApiError(err: unknown): ApiError {
  if (isApiError(err)) return err;
  return new ApiError('internal', 'Something went wrong on our side.');
}

export function errorBody(err: ApiError): { error: { code: ErrorCode; message: string } } {
  return { error: { code: err.code, message: err.message } };
}
