// Sign-in and sign-out with in-memory Auth and audit, a frozen clock: the cross-site rule, the
// recent sign-in rule, revocation everywhere, and no cookie unless the audit log has the event.
import { sessionService } from '../../../functions/src/actions/sessions';
import { loadConfig } from '../../../functions/src/config';
import { idTokenChecker } from '../../../functions/src/credentials/firebase-tokens';
import type { Authenticate } from '../../../functions/src/credentials/pipeline';
import { KeywardError } from '../../../functions/src/errors';
import type { Identity } from '../../../functions/src/identity';
import { userDirectory } from '../../../functions/src/store/users';
import { clock, info, memoryAuditSink, memoryAuth } from '../../harness/memory';
import { codeOf } from '../../harness/outcomes';
import { memorySignedOutSessions } from '../../harness/memory-stores';

const SITE = { host: 'app.example.com', 'x-forwarded-proto': 'https', origin: 'https://app.example.com', 'sec-fetch-site': 'same-origin' };

function setup(who?: Identity | KeywardError) {
  const time = clock();
  const config = loadConfig({ GOOGLE_CLOUD_PROJECT: 'demo-test' });
  const auth = memoryAuth([{ uid: 'alice', claims: {}, disabled: false, validSince: 0 }], time.now);
  const users = userDirectory(() => auth.port, 1000);
  const audit = memoryAuditSink();
  const authenticate: Authenticate = async () => {
    if (who instanceof KeywardError) throw who;
    if (!who) throw new KeywardError('unauthenticated', 'no credential');
    return who;
  };
  const sessions = sessionService({
    rules: config.sessions,
    secureCookies: true,
    allowedOrigins: [],
    auth: () => auth.port,
    signedOut: memorySignedOutSessions(),
    users,
    audit,
    checkIdToken: idTokenChecker(() => auth.port, users),
    authenticate,
    now: time.now,
    clock: { now: time.now, sleep: async (ms) => void time.advance(ms) },
  });
  const post = (body: object, headers: Record<string, string> = SITE) => sessions.create(body as Record<string, unknown>, info({ method: 'POST', path: '/v1/auth/session', headers }));
  return { time, config, auth, audit, sessions, post };
}

describe('session service: sign-in', () => {
  it('turns a recent ID token into a Secure, HttpOnly, SameSite=Strict cookie, audited', async () => {
    const s = setup();
    const created = await s.post({ idToken: s.auth.idToken('alice'), expiresIn: 3600 });
    expect(created).toMatchObject({ uid: 'alice', expiresAt: new Date(s.time.now() + 3_600_000).toISOString() });
    expect(created.setCookie).toMatch(/^__session=session\.cookie\.1; /);
    expect(created.setCookie).toMatch(/HttpOnly/);
    expect(created.setCookie).toMatch(/Secure/);
    expect(created.setCookie).toMatch(/SameSite=Strict/);
    expect(s.audit.events).toMatchObject([{ event: 'session.create', outcome: 'success', actor: { uid: 'alice', method: 'id_token' }, reason: 'expiresIn 3600s' }]);
  });

  it('refuses a foreign page before any Auth call, an old sign-in, and an unknown token; each audited as a failure', async () => {
    const s = setup();
    const token = s.auth.idToken('alice');
    expect(await codeOf(s.post({ idToken: token }, { ...SITE, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }))).toBe('cross_site_request');
    const old = s.auth.idToken('alice', Math.floor(s.time.now() / 1000) - s.config.sessions.recentSignInSeconds - 1);
    expect(await codeOf(s.post({ idToken: old }))).toBe('recent_sign_in_required');
    expect(await codeOf(s.post({ idToken: 'forged' }))).toBe('invalid_credential');
    expect(await codeOf(s.post({ idToken: token, expiresIn: 1 }))).toBe('invalid_request');
    expect(s.auth.cookies.size).toBe(0);
    expect(s.audit.events.map((e) => [e.event, e.outcome, e.reason])).toEqual([
      ['session.create', 'failure', 'cross_site_request'],
      ['session.create', 'failure', 'recent_sign_in_required'],
      ['session.create', 'failure', 'invalid_credential'],
      ['session.create', 'failure', 'invalid_request'],
    ]);
  });

  it('gives no cookie when the audit log cannot be written (503)', async () => {
    const s = setup();
    s.audit.failing = true;
    const err = await s.post({ idToken: s.auth.idToken('alice') }).catch((e: KeywardError) => e);
    expect(err).toMatchObject({ code: 'unavailable' });
    expect(s.audit.events.map((e) => [e.event, e.outcome])).toEqual([['session.create', 'error']]);
  });
});

describe('session service: sign-out', () => {
  const alice: Identity = { uid: 'alice', claims: {}, method: 'session' };
  const signOut = (s: ReturnType<typeof setup>, query = '') =>
    s.sessions.end(new URLSearchParams(query), info({ method: 'DELETE', path: '/v1/auth/session', headers: { ...SITE, cookie: '__session=c' } }));

  it('clears the cookie and audits the sign-out', async () => {
    const s = setup(alice);
    expect((await signOut(s)).clearCookie).toMatch(/^__session=; Max-Age=0/);
    expect(s.audit.events).toMatchObject([{ event: 'session.revoke', outcome: 'success', actor: { uid: 'alice' }, reason: 'sign_out' }]);
    expect(s.auth.revoked).toEqual([]);
  });

  it('with all=true revokes in the next whole second, so every earlier credential is refused', async () => {
    const s = setup(alice);
    const before = s.auth.idToken('alice');
    s.time.advance(250); // mid-second: revoking now would spare a sign-in from earlier in this second
    await signOut(s, 'all=true');
    expect(s.auth.revoked).toEqual(['alice']);
    expect(s.auth.users.get('alice')!.validSince).toBeGreaterThan(Math.floor((s.time.now() - 1000) / 1000));
    expect(await codeOf(s.post({ idToken: before }))).toBe('revoked_credential');
    expect(s.audit.events[0]).toMatchObject({ event: 'session.revoke', reason: 'all' });
  });

  it('refuses all=true to a key, and to a caller it cannot identify, clearing the cookie all the same', async () => {
    const key = setup({ ...alice, method: 'api_key', keyId: 'k', keyType: 'server' });
    expect(await codeOf(signOut(key, 'all=true'))).toBe('interactive_credential_required');
    const nobody = setup(new KeywardError('invalid_credential', 'bad cookie'));
    const err = await signOut(nobody, 'all=true').catch((e: KeywardError) => e);
    expect(err).toMatchObject({ code: 'invalid_credential', details: { clearSession: true } });
    expect((await signOut(nobody)).clearCookie).toMatch(/^__session=;/);
    expect(nobody.audit.events.map((e) => [e.outcome, e.reason])).toEqual([
      ['failure', 'invalid_credential'],
      ['failure', 'invalid_credential'],
    ]);
  });
});
