/**
 * Firebase ID tokens and session cookies. firebase-admin checks signature, expiry, audience
 * and issuer (its public keys are cached); revocation is checked here against the cached user
 * record instead of an Auth round-trip per request (see store/users.ts for the bound).
 */
import type { DecodedIdToken } from 'firebase-admin/auth';
import { ApiError } from '../http/errors';
import type { AuthPort, UserDirectory } from '../store/users';
import type { AuthMethod, Identity } from './identity';

const REVOKED_CODES = new Set(['auth/id-token-revoked', 'auth/session-cookie-revoked', 'auth/user-disabled', 'auth/user-not-found']);
const EXPIRED_CODES = new Set(['auth/id-token-expired', 'auth/session-cookie-expired']);

const challenge = { 'WWW-Authenticate': 'Bearer' };

/** Maps firebase-admin's verification errors to the contract's; anything unexpected is a 503. */
export function firebaseAuthError(err: unknown, what: string): ApiError {
  const code = (err as { code?: string }).code ?? '';
  if (REVOKED_CODES.has(code)) return new ApiError('revoked_credential', `The ${what} has been revoked.`, challenge);
  if (EXPIRED_CODES.has(code)) return new ApiError('expired_credential', `The ${what} has expired.`, challenge);
  if (code.startsWith('auth/')) return new ApiError('invalid_credential', `The ${what} is not valid.`, challenge);
  return new ApiError('unavailable', 'Firebase Auth is unavailable; try again shortly.', { 'Retry-After': '5' });
}

/** Turns a verified token into an Identity, refusing disabled users and revoked tokens. */
export async function identityFromDecoded(
  decoded: DecodedIdToken,
  method: AuthMethod,
  users: UserDirectory,
  what: string,
): Promise<Identity> {
  let user;
  try {
    user = await users.get(decoded.uid);
  } catch (err) {
    throw firebaseAuthError(err, what);
  }
  if (!user || user.disabled) throw new ApiError('revoked_credential', `The ${what}'s user is disabled or deleted.`, challenge);
  if (decoded.auth_time < user.validSince) throw new ApiError('revoked_credential', `The ${what} has been revoked.`, challenge);
  return { uid: decoded.uid, claims: user.claims, method };
}

export function idTokenVerifier(auth: () => AuthPort, users: UserDirectory) {
  return async (token: string): Promise<Identity> => {
    let decoded: DecodedIdToken;
    try {
      decoded = await auth().verifyIdToken(token);
    } catch (err) {
      throw firebaseAuthError(err, 'ID token');
    }
    return identityFromDecoded(decoded, 'id_token', users, 'ID token');
  };
}

export function sessionCookieVerifier(auth: () => AuthPort, users: UserDirectory) {
  return async (cookie: string): Promise<Identity> => {
    let decoded: DecodedIdToken;
    try {
      decoded = await auth().verifySessionCookie(cookie);
    } catch (err) {
      throw firebaseAuthError(err, 'session cookie');
    }
    return identityFromDecoded(decoded, 'session', users, 'session cookie');
  };
}
