/**
 * Keyward's domain error: a closed union of codes, a human message, and what a caller needs to
 * retry or re-authenticate. No HTTP in it: `http/errors.ts` maps codes to statuses and headers,
 * `callables.ts` to callable codes; both tables are mapped types, so a new code without a
 * status or callable code does not compile.
 *
 * Decisions (a refused credential, a missing scope) are errors with caller codes; faults (a
 * dependency down, a bug) are `unavailable` and `internal`, and keep their `cause` for the log.
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
  | 'app_check_required'
  | 'invalid_app_check'
  | 'origin_not_allowed'
  | 'server_key_in_browser'
  | 'ip_not_allowed'
  | 'cross_site_request'
  | 'interactive_credential_required'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'payload_too_large'
  | 'rate_limited'
  | 'quota_exceeded'
  | 'unavailable'
  | 'internal';

/** A rate-limit window's state, reported as `RateLimit-*` fields. */
export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Whole seconds until the window resets. */
  resetSeconds: number;
}

export interface ErrorDetails {
  /** Seconds after which a retry may succeed (limits, outages). */
  retryAfterSeconds?: number;
  /** The authentication scheme (and parameters) a refused credential should be sent with. */
  challenge?: string;
  /** The methods a path accepts. */
  allow?: readonly string[];
  rateLimit?: RateLimitState;
  /** The browser's session cookie should be cleared along with this error. */
  clearSession?: boolean;
  /** Already counted towards the failure limits (credentials/failed-verification.ts): never twice. */
  failureCounted?: boolean;
  /** A malformed request: the JSON pointer of the field that was wrong (`/name`, `/credits/refill`). */
  field?: string;
  /** The fault or refusal underneath, for operators; never shown to callers. */
  cause?: unknown;
}

export class KeywardError extends Error {
  readonly details: Readonly<ErrorDetails>;
  constructor(
    readonly code: ErrorCode,
    message: string,
    details: ErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'KeywardError';
    this.details = details;
  }

  /** The same refusal with more details (a challenge, a cookie to clear). */
  with(details: ErrorDetails): KeywardError {
    return new KeywardError(this.code, this.message, { ...this.details, ...details, cause: this.details.cause ?? details.cause });
  }
}

/** 400 `invalid_request` naming the field that was wrong: `name`, or a dotted path (`credits.refill`) made a JSON pointer. */
export function invalidField(field: string, message: string): KeywardError {
  return new KeywardError('invalid_request', message, { field: `/${field.split('.').map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}` });
}

export const isKeywardError = (err: unknown): err is KeywardError => err instanceof KeywardError;

/** Faults are ours or a dependency's, not the caller's: logged for operators, never audited as refusals. */
export function isFault(err: KeywardError): boolean {
  return err.code === 'unavailable' || err.code === 'internal';
}

/** A dependency that failed or did not answer: fail closed, keep the cause. */
export function unavailable(message: string, cause?: unknown): KeywardError {
  return new KeywardError('unavailable', message, { retryAfterSeconds: 5, cause });
}

/** Anything that is not a KeywardError is a programming error: `internal`, with the error as its cause. */
export function asKeywardError(err: unknown): KeywardError {
  if (isKeywardError(err)) return err;
  return new KeywardError('internal', 'Something went wrong on our side.', { cause: err });
}
