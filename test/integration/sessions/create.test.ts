// POST /v1/auth/session with real Auth-emulator ID tokens, through Hosting.
import { api, createUser, signIn } from '../../harness/auth';
import { adminAuth } from '../../harness/admin';
import { eventually, reached } from '../../harness/eventually';
import {
  auditEntries,
  decodeJwt,
  expectError,
  idTokenSignedInAgo,
  me,
  parseSetCookie,
  postSession,
  quote,
  reencode,
  sameOrigin,
  sessionFor,
  withCookie,
} from './support';

describe('POST /v1/auth/session', () => {
  it('turns a fresh ID token into a __session cookie with every flag, for 7 days by default', async () => {
    const user = await createUser();
    const before = Date.now();
    const { res, setCookies, cookie } = await postSession({ idToken: user.idToken });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/(^|,\s*)no-store(,|$)/);
    expect(Object.keys(res.json).sort()).toEqual(['expiresAt', 'uid']);
    expect(res.json.uid).toBe(user.uid);
    const expiresAt = Date.parse(res.json.expiresAt);
    expect(expiresAt - before).toBeGreaterThanOrEqual(604800_000 - 1000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(604800_000 + 1000);

    expect(setCookies).toHaveLength(1);
    const set = parseSetCookie(setCookies[0]!);
    expect(set.name).toBe('__session');
    expect(set.value).toBe(cookie);
    expect(set.attrs).toEqual({ 'max-age': '604800', path: '/', httponly: true, samesite: 'Strict' }); // no Secure: emulator
    // A Firebase session cookie for this user, not the ID token itself.
    expect(cookie).not.toBe(user.idToken);
    expect(decodeJwt(cookie!).payload).toMatchObject({ sub: user.uid, iss: 'https://session.firebase.google.com/demo-keyward' });
    // The response body never carries the cookie or the token.
    expect(res.text).not.toContain(cookie!);
    expect(res.text).not.toContain(user.idToken);
  });

  it('honours expiresIn from 300 to 1209600 seconds and refuses anything else with 400 and no cookie', async () => {
    const user = await createUser();
    for (const expiresIn of [300, 1209600]) {
      const { res, setCookies } = await postSession({ idToken: user.idToken, expiresIn });
      expect(res.status).toBe(200);
      expect(parseSetCookie(setCookies[0]!).attrs['max-age']).toBe(String(expiresIn));
      const { payload } = decodeJwt(parseSetCookie(setCookies[0]!).value);
      expect(payload.exp - payload.iat).toBe(expiresIn); // the cookie itself lives as long
    }
    const bad = [
      { idToken: user.idToken, expiresIn: 299 },
      { idToken: user.idToken, expiresIn: 1209601 },
      { idToken: user.idToken, expiresIn: 3600.5 },
      { idToken: user.idToken, expiresIn: '3600' },
      { idToken: user.idToken, uid: 'someone-else' },
      { expiresIn: 3600 },
      { idToken: 42 },
      '[]',
      '{"idToken":',
    ];
    for (const body of bad) {
      const { res, setCookies } = await postSession(body);
      expect(res.status).toBe(400);
      expect(res.json.error.code).toMatch(/^invalid_(request|json)$/);
      expect(setCookies).toEqual([]);
    }
  });

  it('refuses an ID token whose sign-in is over 5 minutes old with 401 recent_sign_in_required', async () => {
    const user = await createUser();
    const stale = await idTokenSignedInAgo(user, 10 * 60);
    const { payload } = decodeJwt(stale);
    expect(Date.now() / 1000 - payload.auth_time).toBeGreaterThan(590); // a real token from an old sign-in…
    expect(Date.now() / 1000 - payload.iat).toBeLessThan(60); // …issued just now
    const { res, setCookies } = await postSession({ idToken: stale });
    expectError(res, 401, 'recent_sign_in_required');
    expect(res.headers.get('www-authenticate')).toBeTruthy();
    expect(setCookies).toEqual([]);

    // The same token is still a valid credential elsewhere: only sessions need the recent sign-in.
    expect((await api('/v1/me', { headers: { authorization: `Bearer ${stale}` } })).status).toBe(200);
    // Four minutes is recent enough; signing in again is the way out.
    expect((await postSession({ idToken: await idTokenSignedInAgo(user, 4 * 60) })).res.status).toBe(200);
    expect((await postSession({ idToken: (await signIn(user.email, user.password)).idToken })).res.status).toBe(200);
  });

  it('refuses tampered, foreign, expired and revoked ID tokens with 401 and no cookie', async () => {
    const user = await createUser();
    const { payload } = decodeJwt(user.idToken);
    // Emulator tokens are unsigned (alg none); firebase-admin checks Google's RS256 signature in
    // production. Here: every change the emulator-mode verifier does detect.
    const tampered = [
      reencode(user.idToken, { signature: 'c2lnbmF0dXJl' }), // a signature on an alg-none token
      reencode(user.idToken, { header: { alg: 'HS256' } }),
      reencode(user.idToken, { payload: { aud: 'another-project' } }),
      reencode(user.idToken, { payload: { iss: 'https://securetoken.google.com/another-project' } }),
      reencode(user.idToken, { payload: { sub: 'no-such-user', user_id: 'no-such-user' } }),
      reencode(user.idToken, { payload: { iat: payload.iat - 7200, exp: payload.iat - 3600 } }), // expired
      user.idToken.slice(0, -12),
      'not.a.jwt',
    ];
    const codes = [];
    for (const idToken of tampered) {
      const { res, setCookies } = await postSession({ idToken });
      expect(res.status).toBe(401);
      expect(setCookies).toEqual([]);
      codes.push(res.json.error.code);
    }
    expect(codes[5]).toBe('expired_credential');
    expect(codes[4]).toBe('revoked_credential'); // a deleted or unknown user

    // A session cookie is not an ID token.
    const cookie = await sessionFor(user);
    expectError((await postSession({ idToken: cookie })).res, 401, 'invalid_credential');

    // Revoked: tokens issued before a sign-out everywhere cannot start a session.
    // Revocation has one-second granularity: revoke in a later second than the sign-in.
    await reached((payload.auth_time + 1) * 1000);
    await adminAuth().revokeRefreshTokens(user.uid);
    // Revoked outside Keyward: refused at once (Auth refuses to make the cookie), and as revoked once
    // Keyward's user cache has caught up (KEYWARD_CACHE_TTL_MS, 1 s on the test stack).
    const refused = await eventually(
      () => postSession({ idToken: user.idToken }),
      ({ res }) => res.status !== 401 || res.json?.error?.code === 'revoked_credential',
      { timeoutMs: 3000 },
    );
    expectError(refused.res, 401, 'revoked_credential');
  });

  it('refuses disabled users', async () => {
    const user = await createUser();
    await adminAuth().updateUser(user.uid, { disabled: true });
    const { res, setCookies } = await postSession({ idToken: user.idToken });
    expectError(res, 401, 'revoked_credential');
    expect(setCookies).toEqual([]);
  });

  it('authenticates /v1 with the cookie as method session, and two credentials at once are a 400', async () => {
    const user = await createUser();
    const cookie = await sessionFor(user);
    const res = await me(cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.json).toMatchObject({ uid: user.uid, auth: { method: 'session' } });

    expectError(await api('/v1/me', { headers: withCookie(cookie, { authorization: `Bearer ${user.idToken}` }) }), 400, 'multiple_credentials');
    expectError(await api('/v1/me', { headers: { cookie: `__session=${cookie}; __session=${cookie}` } }), 400, 'multiple_credentials');
    // An ID token is not a session cookie either.
    expectError(await me(user.idToken), 401, 'invalid_credential');
  });

  it('reports the current claims, not those the cookie was made with', async () => {
    const user = await createUser();
    const cookie = await sessionFor(user);
    await adminAuth().setCustomUserClaims(user.uid, { permissions: ['reports'] });
    const claims = await eventually(async () => (await me(cookie)).json.claims, (c) => c.permissions !== undefined, { timeoutMs: 3000 });
    expect(claims).toEqual({ permissions: ['reports'] });
  });

  it('audits session.create with the user and request, never the token or the cookie', async () => {
    const user = await createUser();
    const { res, cookie } = await postSession({ idToken: user.idToken, expiresIn: 3600 }, { ...sameOrigin(), 'user-agent': 'session-audit-test' });
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id')!;
    const [entry, ...more] = await auditEntries(`jsonPayload.event="session.create" AND jsonPayload.request.requestId=${quote(requestId)}`);
    expect(more).toHaveLength(0);
    expect(entry!.data).toMatchObject({
      event: 'session.create',
      outcome: 'success',
      actor: { uid: user.uid, method: 'id_token' },
      target: { uid: user.uid },
      request: { method: 'POST', path: '/v1/auth/session', userAgent: 'session-audit-test', requestId },
    });
    const text = JSON.stringify(entry!.data);
    expect(text).not.toContain(cookie!);
    expect(text).not.toContain(user.idToken.split('.')[1]!);

    // A refusal is audited too (buffered, like every authentication failure). Another user: this
    // one's record (with its validSince) is now cached for the test stack's 1 s bound.
    const late = await createUser();
    const stale = await postSession({ idToken: await idTokenSignedInAgo(late, 900) });
    const refused = await auditEntries(`jsonPayload.event="session.create" AND jsonPayload.request.requestId=${quote(stale.res.headers.get('x-request-id')!)}`, 1, 8000);
    expect(refused.map((e) => e.data)).toEqual([
      expect.objectContaining({ outcome: 'failure', reason: 'recent_sign_in_required', actor: { uid: late.uid, method: 'id_token' } }),
    ]);
  });
});
