/**
 * The `__session` cookie and the rules for making one. Pure.
 * `__session` is the one cookie Firebase Hosting forwards to functions. The cookie is HttpOnly
 * (no script reads it), SameSite=Strict (no other site's page makes the browser send it), valid
 * for the whole site (Path=/) and Secure everywhere but the local emulators (plain http).
 */
import { invalidField, KeywardError } from '../errors';

export const SESSION_COOKIE = '__session';

export interface SessionRules {
  defaultExpiresIn: number;
  minExpiresIn: number;
  maxExpiresIn: number;
  /** An ID token whose sign-in is older than this many seconds cannot start a session. */
  recentSignInSeconds: number;
}

/** Session cookies and ID tokens are JWTs: three base64url parts. Anything else never reaches a header. */
const COOKIE_VALUE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Every response that sets or clears the cookie. `no-store` as on every authenticated response;
 * `private` because Firebase Hosting drops `Set-Cookie` from any response it may cache, which is
 * one whose Cache-Control does not say `private`.
 */
export const COOKIE_CACHE_CONTROL = 'no-store, private';

function attributes(maxAge: number, secure: boolean): string {
  return `Max-Age=${maxAge}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** The `Set-Cookie` value that stores a session cookie for `maxAgeSeconds`. */
export function sessionSetCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  if (!COOKIE_VALUE.test(value)) throw new Error('refusing to put a malformed session cookie in a header');
  return `${SESSION_COOKIE}=${value}; ${attributes(maxAgeSeconds, secure)}`;
}

/** The `Set-Cookie` value that removes the session cookie: same attributes, Max-Age=0. */
export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; ${attributes(0, secure)}`;
}

/** A validated `POST /v1/auth/session` body (contract/requests.ts `SessionBody`) with the lifetime the rules allow. */
export function sessionRequest(body: { idToken: string; expiresIn?: number }, rules: SessionRules): { idToken: string; expiresIn: number } {
  const expiresIn = body.expiresIn ?? rules.defaultExpiresIn;
  if (expiresIn < rules.minExpiresIn || expiresIn > rules.maxExpiresIn) {
    throw invalidField('expiresIn', `expiresIn must be a whole number from ${rules.minExpiresIn} to ${rules.maxExpiresIn}.`);
  }
  return { idToken: body.idToken, expiresIn };
}

/** Whether a sign-in at `authTime` (unix seconds) is recent enough at `nowMs` to start a session. */
export function isRecentSignIn(authTime: number, nowMs: number, windowSeconds: number): boolean {
  return Number.isFinite(authTime) && nowMs / 1000 - authTime <= windowSeconds;
}

export function assertRecentSignIn(authTime: number, nowMs: number, windowSeconds: number): void {
  if (!isRecentSignIn(authTime, nowMs, windowSeconds)) {
    throw new KeywardError('recent_sign_in_required', `Sign in again: a session needs a sign-in from the last ${windowSeconds / 60} minutes.`, {
      challenge: 'Bearer error="invalid_token", error_description="recent sign-in required"',
    });
  }
}

/** `?all=true` on DELETE: absent or `false` is false; anything else but `true` is a 400. */
export function parseAllFlag(query: URLSearchParams): boolean {
  const values = query.getAll('all');
  if (values.length === 0) return false;
  if (values.length === 1 && (values[0] === 'true' || values[0] === 'false')) return values[0] === 'true';
  throw new KeywardError('invalid_request', 'all must be true or false.');
}
