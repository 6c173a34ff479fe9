// Signing out, revocation, disabled and deleted users, tampered and expired cookies.
import { api, createUser, signIn } from '../../harness/auth';
import { adminAuth } from '../../harness/admin';
import { eventually } from '../../harness/eventually';
import { startInProcessApp } from '../../harness/in-process';
import type { AuditSink } from '../../../functions/src/audit/events';
import { memoryAuditSink } from '../../harness/memory';
import {
  auditEntries,
  decodeJwt,
  expectError,
  me,
  parseSetCookie,
  postSession,
  quote,
  reencode,
  sameOrigin,
  sessionFor,
  setCookiesOf,
  withCookie,
} from './support';

const signOut = (cookie: string | undefined, query = '', headers: Record<string, string> = sameOrigin()) =>
  api(`/v1/auth/session${query}`, { method: 'DELETE', headers: cookie === undefined ? headers : withCookie(cookie, headers) });

/** The cache bound of the test stack (KEYWARD_CACHE_TTL_MS=1000) and a margin. */
const BOUND_MS = 2500;

async function refusedWithin(cookie: string, ms: number): Promise<{ status: number; code?: string; afterMs: number }> {
  const start = Date.now();
  const res = await eventually(() => me(cookie), (r) => r.status !== 200, { timeoutMs: ms });
  return { status: res.status, code: res.json?.error?.code, afterMs: Date.now() - start };
}

function expectCleared(res: { headers: Headers }): void {
  const cleared = setCookiesOf(res as never).map(parseSetCookie);
  expect(cleared).toEqual([{ name: '__session', value: '', attrs: { 'max-age': '0', path: '/', httponly: true, samesite: 'Strict' } }]);
}

describe('DELETE /v1/auth/session', () => {
  it('clears the cookie with the same attributes, and audits the sign-out', async () => {
    const user = await createUser();
    const cookie = await sessionFor(user);
    const res = await signOut(cookie);
    expect(res.status).toBe(204);
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
    expectCleared(res);
    const [entry] = await auditEntries(`jsonPayload.event="session.revoke" AND jsonPayload.request.requestId=${quote(res.headers.get('x-request-id')!)}`);
    expect(entry?.data).toMatchObject({ outcome: 'success', actor: { uid: user.uid, method: 'session' }, target: { uid: user.uid }, reason: 'sign_out' });
    expect(JSON.stringify(entry?.data)).not.toContain(cookie);
  });

  it('clears the cookie even without a valid one, and audits that too', async () => {
    for (const cookie of [undefined, 'garbage', 'a.b.c']) {
      const res = await signOut(cookie);
      expect(res.status).toBe(204);
      expectCleared(res);
      const [entry] = await auditEntries(`jsonPayload.event="session.revoke" AND jsonPayload.request.requestId=${quote(res.headers.get('x-request-id')!)}`);
      expect(entry?.data).toMatchObject({ outcome: 'failure', actor: {}, reason: cookie === undefined ? 'unauthenticated' : 'invalid_credential' });
    }
    // Signing out everywhere needs to know who you are: 401, and the cookie is cleared all the same.
    const res = await signOut('garbage', '?all=true');
    expectError(res, 401, 'invalid_credential');
    expectCleared(res);
    expectError(await signOut(undefined, '?all=maybe'), 400, 'invalid_request');
  });

  it('?all=true revokes every session and token of the user at once; a new sign-in works', async () => {
    const user = await createUser();
    const here = await sessionFor(user);
    const elsewhere = await sessionFor(await signIn(user.email, user.password));
    const other = await createUser(); // someone else's session is untouched
    const theirs = await sessionFor(other);

    const res = await signOut(here, '?all=true');
    expect(res.status).toBe(204);
    expectCleared(res);
    // At once: the very next request with either cookie or the old ID token is refused.
    expectError(await me(elsewhere), 401, 'revoked_credential');
    expectError(await me(here), 401, 'revoked_credential');
    expectError(await api('/v1/me', { headers: { authorization: `Bearer ${user.idToken}` } }), 401, 'revoked_credential');
    expect((await me(theirs)).status).toBe(200);

    const [entry] = await auditEntries(`jsonPayload.event="session.revoke" AND jsonPayload.request.requestId=${quote(res.headers.get('x-request-id')!)}`);
    expect(entry?.data).toMatchObject({ outcome: 'success', actor: { uid: user.uid, method: 'session' }, target: { uid: user.uid }, reason: 'all' });

    const again = await signIn(user.email, user.password);
    const fresh = await sessionFor(again);
    expect((await me(fresh)).json).toMatchObject({ uid: user.uid, auth: { method: 'session' } });
  });

  it('?all=true also works with an ID token, but not with an API key', async () => {
    const user = await createUser();
    const cookie = await sessionFor(user);
    const key = await api('/v1/keys', {
      method: 'POST',
      headers: { authorization: `Bearer ${user.idToken}`, 'content-type': 'application/json' },
      body: '{"name":"not for sign-out"}',
    });
    expectError(await signOut(undefined, '?all=true', { 'x-api-key': key.json.key }), 403, 'interactive_credential_required');
    expect((await me(cookie)).status).toBe(200);
    expect((await signOut(undefined, '?all=true', { authorization: `Bearer ${user.idToken}` })).status).toBe(204);
    expectError(await me(cookie), 401, 'revoked_credential');
  });
});

describe('cookies that must not work', () => {
  it('refuses a disabled user within the cache bound, and a deleted one', async () => {
    const user = await createUser();
    const cookie = await sessionFor(user);
    expect((await me(cookie)).status).toBe(200);
    await adminAuth().updateUser(user.uid, { disabled: true });
    const disabled = await refusedWithin(cookie, BOUND_MS);
    expect(disabled).toMatchObject({ status: 401, code: 'revoked_credential' });

    const gone = await createUser();
    const goneCookie = await sessionFor(gone);
    await adminAuth().deleteUser(gone.uid);
    expect(await refusedWithin(goneCookie, BOUND_MS)).toMatchObject({ status: 401, code: 'revoked_credential' });
  });

  it('refuses tampered and expired cookies', async () => {
    const user = await createUser();
    const cookie = await sessionFor(user);
    const { payload } = decodeJwt(cookie);
    // Emulator cookies are unsigned (alg none); in production firebase-admin verifies Google's
    // signature first. These are the alterations the emulator-mode verifier detects.
    const tampered = [
      reencode(cookie, { signature: 'c2lnbmF0dXJl' }),
      reencode(cookie, { header: { alg: 'RS256', kid: 'x' } }),
      reencode(cookie, { payload: { aud: 'another-project' } }),
      reencode(cookie, { payload: { iss: `https://securetoken.google.com/${payload.aud}` } }), // an ID token's issuer
      cookie.slice(0, cookie.length / 2),
      cookie + 'x',
    ];
    for (const bad of tampered) expectError(await me(bad), 401, 'invalid_credential');
    // Expired: the shortest real cookie lives 5 minutes, so the expiry is edited in (the emulator
    // does not sign), which exercises firebase-admin's own expiry check and our mapping of it.
    expectError(await me(reencode(cookie, { payload: { iat: payload.iat - 900, exp: payload.iat - 600 } })), 401, 'expired_credential');
    expect((await me(cookie)).status).toBe(200);
  });
});

describe('when the audit log cannot be written', () => {
  // The app the function serves, in this process, against the same emulators, with an audit sink
  // whose writes fail: the only way to take the log down for one test without taking it from others.
  const failing: AuditSink = { ...memoryAuditSink(), record: async () => Promise.reject(new Error('log down')) };
  let app: Awaited<ReturnType<typeof startInProcessApp>>;
  beforeAll(async () => {
    app = await startInProcessApp({}, { audit: failing });
  });
  afterAll(() => app?.close());

  it('creates no session (503, no cookie) and still signs out (503, cookie cleared)', async () => {
    const user = await createUser();
    const post = await fetch(`${app.url}/v1/auth/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: app.url },
      body: JSON.stringify({ idToken: user.idToken }),
    });
    expect(post.status).toBe(503);
    expect(((await post.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    expect(post.headers.getSetCookie()).toEqual([]);

    const cookie = await sessionFor(user); // through the real stack, whose log works
    const del = await fetch(`${app.url}/v1/auth/session?all=true`, { method: 'DELETE', headers: { cookie: `__session=${cookie}`, origin: app.url } });
    expect(del.status).toBe(503);
    expect(del.headers.getSetCookie()[0]).toMatch(/^__session=; Max-Age=0;/);
    expect(((await del.json()) as { error: { message: string } }).error.message).toMatch(/Signed out everywhere/);
  });
});

describe('the session endpoint itself', () => {
  it('answers other methods with 405 and Allow', async () => {
    const res = await api('/v1/auth/session', { method: 'PUT', headers: sameOrigin() });
    expectError(res, 405, 'method_not_allowed');
    expect(res.headers.get('allow')).toBe('POST, DELETE');
  });

  it('authenticates a sign-in by the ID token in the body alone (an old cookie alongside does not matter)', async () => {
    const user = await createUser();
    const old = await sessionFor(user);
    const other = await createUser();
    const { res, cookie } = await postSession({ idToken: other.idToken }, withCookie(old, sameOrigin()));
    expect(res.status).toBe(200);
    expect((await me(cookie!)).json.uid).toBe(other.uid);
    expectError((await postSession({ idToken: 'x.y.z' }, withCookie(old, sameOrigin()))).res, 401, 'invalid_credential');
  });
});
