/**
 * Browser sessions: an ID token from a recent sign-in becomes a `__session` cookie
 * (firebase-admin `createSessionCookie`); signing out clears it, and `all` also revokes every
 * session and token of the user. Both are audited before the response; when the audit log cannot
 * be written the caller gets 503 and no new cookie.
 */
import { auditRequest, type AuditEvent, type AuditOutcome, type AuditSink } from '../audit/events';
import type { Authenticate } from '../credentials/pipeline';
import { firebaseAuthError, type VerifiedIdToken } from '../credentials/firebase-tokens';
import { isInteractive, type Identity } from '../identity';
import { sessionCookies } from '../credentials/read';
import { assertSameSite } from '../sessions/csrf';
import { KeywardError, asKeywardError, isFault } from '../errors';
import type { Body, RequestContext } from '../request';
import type { AuthPort, UserDirectory } from '../store/users';
import { assertRecentSignIn, clearedSessionCookie, parseAllFlag, sessionRequest, sessionSetCookie, type SessionRules } from '../sessions/cookie';
import { parseRequest } from '../contract/parse';
import { revokeAllSessions, systemClock, type Clock } from '../sessions/revoke';
import type { SignedOutSessions } from '../store/signed-out';
import type { ChangeWriter } from '../store/changes';

/** The body of `POST /v1/auth/session`: `{idToken, expiresIn?}` by its schema, the lifetime within the rules. */
export const parseSessionRequest = (body: Body, rules: SessionRules) => sessionRequest(parseRequest('session', body), rules);

export interface SessionServiceDeps {
  rules: SessionRules;
  /** Cookies are `Secure` except under the emulators (plain http). */
  secureCookies: boolean;
  allowedOrigins: readonly string[];
  auth: () => Pick<AuthPort, 'createSessionCookie' | 'revokeRefreshTokens'>;
  users: Pick<UserDirectory, 'invalidate'>;
  audit: AuditSink;
  /** Verifies an ID token the way the credential pipeline does (revocation, disabled users). */
  checkIdToken: (token: string) => Promise<VerifiedIdToken>;
  /** The credential pipeline, for sign-out. */
  authenticate: Authenticate;
  /** Where a signed-out cookie is remembered until it expires (store/signed-out.ts). */
  signedOut: Pick<SignedOutSessions, 'add'>;
  /** The change feed (store/changes.ts): tells the other instances to forget the user at once. */
  changes?: Pick<ChangeWriter, 'publish'>;
  now: () => number;
  clock?: Clock;
  /** Sign-ins per client address (limits/rules.ts): throws 429 past the limit. */
  signInLimit?: (info: RequestContext) => Promise<unknown>;
}

function logFeedFailure(uid: string, err: unknown): void {
  console.error(JSON.stringify({ severity: 'WARNING', message: 'Signed out everywhere, but the change feed entry could not be written: other instances follow within the cache bound.', uid, cause: err instanceof Error ? err.message : String(err) }));
}

export interface CreatedSession {
  uid: string;
  expiresAt: string;
  setCookie: string;
}

const auditUnavailable = (message: string, cause: unknown, clearSession = false) =>
  new KeywardError('unavailable', message, { retryAfterSeconds: 5, clearSession, cause });

export function sessionService(deps: SessionServiceDeps) {
  const clear = clearedSessionCookie(deps.secureCookies);

  function event(info: RequestContext, outcome: AuditEvent['outcome'], name: AuditEvent['event'], who: Partial<Identity>, reason?: string): AuditEvent {
    const actor = who.uid ? { uid: who.uid, method: who.method } : {};
    return { event: name, outcome, actor, target: who.uid ? { uid: who.uid } : undefined, request: auditRequest(info), reason };
  }

  async function create(body: Body, info: RequestContext): Promise<CreatedSession> {
    let identity: Identity | undefined;
    try {
      // The ID token travels in the body: the cross-site rule applies whether or not a cookie is sent.
      assertSameSite(info, { allowedOrigins: deps.allowedOrigins, requireBrowserHeaders: false });
      const { idToken, expiresIn } = parseSessionRequest(body, deps.rules);
      await deps.signInLimit?.(info);
      const verified = await deps.checkIdToken(idToken);
      identity = verified.identity;
      const now = deps.now();
      assertRecentSignIn(verified.decoded.auth_time, now, deps.rules.recentSignInSeconds);
      let cookie: string;
      try {
        cookie = await deps.auth().createSessionCookie(idToken, { expiresIn: expiresIn * 1000 });
      } catch (err) {
        throw firebaseAuthError(err, 'ID token');
      }
      const created = {
        uid: identity.uid,
        expiresAt: new Date(now + expiresIn * 1000).toISOString(),
        setCookie: sessionSetCookie(cookie, expiresIn, deps.secureCookies),
      };
      try {
        await deps.audit.record(event(info, 'success', 'session.create', identity, `expiresIn ${expiresIn}s`));
      } catch (err) {
        throw auditUnavailable('The audit log is unavailable, so no session was created; try again shortly.', err);
      }
      return created;
    } catch (err) {
      // Refusals are access entries like authentication failures: one log line, never throwing.
      const refusal = asKeywardError(err);
      deps.audit.access(event(info, outcomeOf(refusal), 'session.create', identity ?? {}, refusal.code));
      throw err;
    }
  }

  /** Signs out this browser; with `all`, every session and token of the user. Always clears the cookie. */
  async function end(query: URLSearchParams, info: RequestContext): Promise<{ clearCookie: string }> {
    const [cookie] = sessionCookies(headerList(info.headers.cookie));
    const hasCookie = cookie !== undefined;
    assertSameSite(info, { allowedOrigins: deps.allowedOrigins, requireBrowserHeaders: hasCookie });
    const all = parseAllFlag(query);
    const withClear = (err: KeywardError): KeywardError => err.with({ clearSession: true });

    let identity: Identity | undefined;
    let refusal: KeywardError | undefined;
    try {
      identity = await deps.authenticate(info);
    } catch (err) {
      refusal = asKeywardError(err);
      if (isFault(refusal) && all) throw withClear(refusal); // cannot tell whose sessions to revoke
    }
    if (identity && all && !isInteractive(identity)) {
      throw new KeywardError('interactive_credential_required', 'Signing out everywhere needs a session cookie or an ID token.');
    }

    if (identity && all) {
      try {
        await revokeAllSessions(deps.auth(), identity.uid, deps.clock ?? systemClock);
      } catch (err) {
        const failed = firebaseAuthError(err, 'session');
        deps.audit.access(event(info, outcomeOf(failed), 'session.revoke', identity, failed.code));
        throw withClear(failed);
      }
      deps.users.invalidate(identity.uid); // refused at once on this instance
      // And within a second elsewhere; if the feed write fails, within the cache bound (docs/cache.md).
      await deps.changes?.publish('user', identity.uid).catch((err: unknown) => logFeedFailure(identity!.uid, err));
    }

    // This session ends server-side too: Firebase cannot revoke one cookie, so Keyward remembers it.
    if (identity?.method === 'session' && cookie !== undefined) {
      try {
        await deps.signedOut.add(cookie, cookieExpiry(cookie, deps.now(), deps.rules.maxExpiresIn));
      } catch (err) {
        const failed = asKeywardError(err);
        deps.audit.access(event(info, outcomeOf(failed), 'session.revoke', identity, failed.code));
        throw withClear(failed);
      }
    }

    const outcome = identity ? 'success' : outcomeOf(refusal!);
    const reason = identity ? (all ? 'all' : 'sign_out') : refusal!.code;
    try {
      await deps.audit.record(event(info, outcome, 'session.revoke', identity ?? {}, reason));
    } catch (err) {
      const done = identity && all ? 'Signed out everywhere' : 'Signed out';
      throw auditUnavailable(`${done}, but the audit log could not be written.`, err, true);
    }
    // `all` needs to know whose sessions to revoke; a plain sign-out succeeds without a valid session.
    if (all && !identity) throw withClear(refusal!);
    return { clearCookie: clear };
  }

  return { create, end };
}

export type SessionService = ReturnType<typeof sessionService>;

/** A refusal is the caller's `failure`; a dependency that failed is our `error`. */
function outcomeOf(err: KeywardError): AuditOutcome {
  return isFault(err) ? 'error' : 'failure';
}

/** The cookie's `exp` in epoch ms (it was just verified); the longest session lifetime if unreadable. */
function cookieExpiry(cookie: string, now: number, maxExpiresInSeconds: number): number {
  try {
    const { exp } = JSON.parse(Buffer.from(cookie.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    if (typeof exp === 'number' && Number.isFinite(exp)) return exp * 1000;
  } catch {
    // fall through
  }
  return now + maxExpiresInSeconds * 1000;
}

function headerList(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(';') : value;
}
