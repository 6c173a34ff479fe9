// The verified-token cache and the cookie and ID-token verifiers that use it, with in-memory twins
// of firebase-admin's Auth and the user directory.
import type { DecodedIdToken } from 'firebase-admin/auth';
import { idTokenChecker, idTokenVerifier, sessionCookieVerifier } from '../../../functions/src/credentials/firebase-tokens';
import { verifiedTokens } from '../../../functions/src/credentials/verified-tokens';
import type { AuthPort, UserDirectory, UserRecordLite } from '../../../functions/src/store/users';
import { memorySignedOutSessions } from '../../harness/memory-stores';

const T0 = 1_800_000_000; // seconds
const decoded = (uid: string, exp: number, authTime = T0 - 60): DecodedIdToken => ({ uid, sub: uid, exp, auth_time: authTime, iat: authTime, aud: 'p', iss: 'i', firebase: { identities: {}, sign_in_provider: 'password' } }) as DecodedIdToken;

describe('verifiedTokens', () => {
  it('remembers a token until its exp, never past it', () => {
    let now = T0 * 1000;
    const cache = verifiedTokens(10, () => now);
    const d = decoded('u', T0 + 60);
    cache.set('cookie-a', d);
    expect(cache.get('cookie-a')).toBe(d);
    expect(cache.get('cookie-b')).toBeUndefined();
    now = (T0 + 60) * 1000 - 1;
    expect(cache.get('cookie-a')).toBe(d);
    now = (T0 + 60) * 1000;
    expect(cache.get('cookie-a')).toBeUndefined();
    expect(cache.size).toBe(0);
    cache.set('cookie-c', decoded('u', T0 - 1)); // already expired: not kept
    expect(cache.size).toBe(0);
  });

  it('is bounded: the oldest entry goes first', () => {
    const cache = verifiedTokens(3, () => T0 * 1000);
    for (const t of ['a', 'b', 'c', 'd']) cache.set(t, decoded(t, T0 + 60));
    expect(cache.size).toBe(3);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('d')?.uid).toBe('d');
  });
});

function twins() {
  const users = new Map<string, UserRecordLite>([['u1', { uid: 'u1', claims: { permissions: ['read'] }, disabled: false, validSince: 0 }]]);
  const calls = { cookie: 0, idToken: 0 };
  const auth = {
    async verifySessionCookie(cookie: string) {
      calls.cookie++;
      if (cookie !== 'good-cookie') throw Object.assign(new Error('bad'), { code: 'auth/argument-error' });
      return decoded('u1', Math.floor(Date.now() / 1000) + 3600, Math.floor(Date.now() / 1000) - 60);
    },
    async verifyIdToken(token: string) {
      calls.idToken++;
      if (token !== 'good-token') throw Object.assign(new Error('bad'), { code: 'auth/argument-error' });
      return decoded('u1', Math.floor(Date.now() / 1000) + 3600, Math.floor(Date.now() / 1000) - 60);
    },
  } as unknown as AuthPort;
  const directory: UserDirectory = { get: async (uid) => users.get(uid), invalidate: () => undefined };
  return { users, calls, auth: () => auth, directory };
}

const GET = { method: 'GET', headers: {} };

describe('cookie and ID-token verification with the cache', () => {
  it('verifies the signature once, then answers from the cache', async () => {
    const t = twins();
    const verify = sessionCookieVerifier(t.auth, t.directory, memorySignedOutSessions());
    for (let i = 0; i < 5; i++) expect(await verify('good-cookie', GET)).toMatchObject({ uid: 'u1', method: 'session' });
    expect(t.calls.cookie).toBe(1);
    const idToken = idTokenVerifier(idTokenChecker(t.auth, t.directory));
    for (let i = 0; i < 5; i++) expect(await idToken('good-token')).toMatchObject({ uid: 'u1', method: 'id_token' });
    expect(t.calls.idToken).toBe(1);
  });

  it('never caches a refusal', async () => {
    const t = twins();
    const verify = sessionCookieVerifier(t.auth, t.directory, memorySignedOutSessions());
    for (let i = 0; i < 3; i++) await expect(verify('forged', GET)).rejects.toMatchObject({ code: 'invalid_credential' });
    expect(t.calls.cookie).toBe(3);
  });

  it('still checks revocation, the disabled flag and the current claims on every request', async () => {
    const t = twins();
    const verify = sessionCookieVerifier(t.auth, t.directory, memorySignedOutSessions());
    expect((await verify('good-cookie', GET)).claims).toEqual({ permissions: ['read'] });
    t.users.set('u1', { ...t.users.get('u1')!, claims: { permissions: ['read', 'write'] } });
    expect((await verify('good-cookie', GET)).claims).toEqual({ permissions: ['read', 'write'] });
    t.users.set('u1', { ...t.users.get('u1')!, disabled: true });
    await expect(verify('good-cookie', GET)).rejects.toMatchObject({ code: 'revoked_credential' });
    t.users.set('u1', { ...t.users.get('u1')!, disabled: false, validSince: Math.floor(Date.now() / 1000) });
    await expect(verify('good-cookie', GET)).rejects.toMatchObject({ code: 'revoked_credential' });
    t.users.delete('u1');
    await expect(verify('good-cookie', GET)).rejects.toMatchObject({ code: 'revoked_credential' });
    expect(t.calls.cookie).toBe(1);
  });
});
