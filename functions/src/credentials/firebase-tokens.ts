/**
 * Firebase ID tokens and session cookies. firebase-admin checks signature, expiry, audience
 * and issuer (its public keys are cached), once per token: a verified token is remembered until
 * its `exp` (credentials/verified-tokens.ts). Revocation, disabled users and the current claims
 * are checked here on every request against the cached user record instead of an Auth round-trip
 * (see store/users.ts for the bound).
 */
import type { DecodedIdToken } from 'firebase-admin/auth';
import { assertSameSite, isStateChanging } from '../sessions/csrf';
import { KeywardError, isKeywardError, unavailable } from '../errors';
import type { RequestContext } from '../request';
import type { SignedOutSessions } from '../store/signed-out';
import type { AuthPort, UserDirectory } from '../store/users';
import type { AuthMethod, Identity } from '../identity';
import { tokenHash } from '../lib/token-hash';
import { TEAM_PRINCIPAL_PREFIX } from '../teams/record';
import { verifiedTokens, type VerifiedTokens } from './verified-tokens';

const REVOKED_CODES = new Set(['auth/id-token-revoked', 'auth/session-cookie-revoked', 'auth/user-disabled', 'auth/user-not-found']);
const EXPIRED_CODES = new Set(['auth/id-token-expired', 'auth/session-cookie-expired']);

const challenge = { challenge: 'Bearer' };

/** Maps firebase-admin's verification errors to the contract's; anything unexpected is a 503. */
export function firebaseAuthError(err: unknown, what: string): KeywardError {
  if (isKeywardError(err)) return err; // already classified (store/users.ts)
  const code = (err as { code?: string }).code ?? '';
  if (REVOKED_CODES.has(code)) return new KeywardError('revoked_credential', `The ${what} has been revoked.`, challenge);
  if (EXPIRED_CODES.has(code)) return new KeywardError('expired_credential', `The ${what} has expired.`, challenge);
  // Auth failing, or firebase-admin's own service credential failing, is a fault: not the caller's.
  if (code === 'auth/internal-error' || code === 'auth/invalid-credential' || code === 'auth/insufficient-permission') return unavailable('Firebase Auth is unavailable; try again shortly.', err);
  if (code.startsWith('auth/')) return new KeywardError('invalid_credential', `The ${what} is not valid.`, challenge);
  return unavailable('Firebase Auth is unavailable; try again shortly.', err);
}

/** Turns a verified token into an Identity, refusing disabled users and revoked tokens. */
export async function identityFromDecoded(
  decoded: DecodedIdToken,
  method: AuthMethod,
  users: UserDirectory,
  what: string,
): Promise<Identity> {
  // `team:<id>` names a team as the owner of its keys, limits and usage (teams/record.ts): a person
  // with such a uid (a custom token's choice) would read and manage that team's as their own.
  if (decoded.uid.startsWith(TEAM_PRINCIPAL_PREFIX)) throw new KeywardError('invalid_credential', `The ${what}'s user id is reserved for teams.`, challenge);
  let user;
  try {
    user = await users.get(decoded.uid);
  } catch (err) {
    throw firebaseAuthError(err, what);
  }
  if (!user || user.disabled) throw new KeywardError('revoked_credential', `The ${what}'s user is disabled or deleted.`, challenge);
  // No auth_time (never so in a Google-signed token) fails closed rather than skipping the check.
  if (typeof decoded.auth_time !== 'number' || decoded.auth_time < user.validSince) throw new KeywardError('revoked_credential', `The ${what} has been revoked.`, challenge);
  return { uid: decoded.uid, claims: user.claims, method };
}

/** A verified ID token: the Identity, and the decoded token (POST /v1/auth/session reads `auth_time`). */
export interface VerifiedIdToken {
  identity: Identity;
  decoded: DecodedIdToken;
}

/** The one path every ID token takes, in the pipeline and when it starts a session. */
export function idTokenChecker(auth: () => AuthPort, users: UserDirectory, verified: VerifiedTokens = verifiedTokens()) {
  return async (token: string): Promise<VerifiedIdToken> => {
    let decoded = verified.get(token);
    if (!decoded) {
      try {
        decoded = await auth().verifyIdToken(token);
      } catch (err) {
        throw firebaseAuthError(err, 'ID token');
      }
      verified.set(token, decoded);
    }
    return { identity: await identityFromDecoded(decoded, 'id_token', users, 'ID token'), decoded };
  };
}

export function idTokenVerifier(check: ReturnType<typeof idTokenChecker>) {
  return async (token: string): Promise<Identity> => (await check(token)).identity;
}

/**
 * Session cookies. A state change carried by the cookie must come from our own pages: the
 * cross-site rule (sessions/csrf.ts) runs first, so a foreign page costs no Auth call and learns
 * nothing about the cookie.
 */
export function sessionCookieVerifier(auth: () => AuthPort, users: UserDirectory, signedOut: Pick<SignedOutSessions, 'has'>, allowedOrigins: readonly string[] = [], verified: VerifiedTokens = verifiedTokens()) {
  return async (cookie: string, info: Pick<RequestContext, 'method' | 'headers'>): Promise<Identity> => {
    if (isStateChanging(info.method)) assertSameSite(info, { allowedOrigins, requireBrowserHeaders: true });
    const hash = tokenHash(cookie); // one hash for both caches below
    let decoded = verified.get(cookie, hash);
    if (!decoded) {
      try {
        decoded = await auth().verifySessionCookie(cookie);
      } catch (err) {
        throw firebaseAuthError(err, 'session cookie');
      }
      verified.set(cookie, decoded, hash);
    }
    // Signed out (actions/sessions.ts): Firebase still accepts the cookie, Keyward does not.
    if (await signedOut.has(cookie, hash)) throw new KeywardError('revoked_credential', 'The session cookie has been signed out.', challenge);
    return identityFromDecoded(decoded, 'session', users, 'session cookie');
  };
}
