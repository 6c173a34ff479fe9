import { firebaseAuthError } from '../../../functions/src/credentials/firebase-tokens';
import { statusOf } from '../../../functions/src/http/errors';
import type { KeywardError } from '../../../functions/src/errors';
import {
  assertRecentSignIn,
  clearedSessionCookie,
  isRecentSignIn,
  parseAllFlag,
  sessionSetCookie,
} from '../../../functions/src/sessions/cookie';
import { parseSessionRequest } from '../../../functions/src/actions/sessions';
import { msUntilNextSecond, revokeAllSessions } from '../../../functions/src/sessions/revoke';
import { thrownCode } from '../../harness/outcomes';

const rules = { defaultExpiresIn: 604800, minExpiresIn: 300, maxExpiresIn: 1209600, recentSignInSeconds: 300 };
const JWT = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1In0.';

describe('the __session cookie', () => {
  it('is HttpOnly, SameSite=Strict, Path=/, Max-Age = expiresIn, and Secure outside the emulator', () => {
    expect(sessionSetCookie(JWT, 3600, true)).toBe(`__session=${JWT}; Max-Age=3600; Path=/; HttpOnly; SameSite=Strict; Secure`);
    expect(sessionSetCookie(JWT, 300, false)).toBe(`__session=${JWT}; Max-Age=300; Path=/; HttpOnly; SameSite=Strict`);
  });

  it('is cleared with the same attributes and Max-Age=0', () => {
    expect(clearedSessionCookie(true)).toBe('__session=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict; Secure');
    expect(clearedSessionCookie(false)).toBe('__session=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict');
  });

  it('never puts anything but a JWT in the header', () => {
    for (const bad of ['a; Domain=evil.example', 'x\r\nSet-Cookie: y', '', 'a.b']) expect(() => sessionSetCookie(bad, 300, true)).toThrow();
  });
});

describe('POST /v1/auth/session body', () => {
  it('takes idToken and an optional whole number expiresIn from 300 to 1209600 seconds (default 7 days)', () => {
    expect(parseSessionRequest({ idToken: JWT }, rules)).toEqual({ idToken: JWT, expiresIn: 604800 });
    expect(parseSessionRequest({ idToken: JWT, expiresIn: 300 }, rules).expiresIn).toBe(300);
    expect(parseSessionRequest({ idToken: JWT, expiresIn: 1209600 }, rules).expiresIn).toBe(1209600);
  });

  it('refuses anything else with invalid_request', () => {
    const bad = [
      {},
      { idToken: '' },
      { idToken: 42 },
      { idToken: 'x'.repeat(8193) },
      { idToken: JWT, expiresIn: 299 },
      { idToken: JWT, expiresIn: 1209601 },
      { idToken: JWT, expiresIn: 3600.5 },
      { idToken: JWT, expiresIn: '3600' },
      { idToken: JWT, expiresIn: null },
      { idToken: JWT, uid: 'someone-else' },
    ];
    for (const body of bad) expect(thrownCode(() => parseSessionRequest(body, rules))).toBe('invalid_request');
  });
});

describe('recent sign-in', () => {
  const now = 1_700_000_000_000;
  it('accepts a sign-in up to 5 minutes old and refuses an older one with 401 recent_sign_in_required', () => {
    expect(isRecentSignIn(now / 1000 - 300, now, 300)).toBe(true);
    expect(isRecentSignIn(now / 1000 + 30, now, 300)).toBe(true); // a little clock skew
    expect(isRecentSignIn(now / 1000 - 301, now, 300)).toBe(false);
    expect(isRecentSignIn(Number.NaN, now, 300)).toBe(false);
    let status: number | undefined;
    try {
      assertRecentSignIn(now / 1000 - 3600, now, 300);
    } catch (err) {
      status = statusOf(err as KeywardError);
      expect((err as { code: string }).code).toBe('recent_sign_in_required');
    }
    expect(status).toBe(401);
  });
});

describe('?all on DELETE', () => {
  it('is true, false or absent', () => {
    expect(parseAllFlag(new URLSearchParams(''))).toBe(false);
    expect(parseAllFlag(new URLSearchParams('all=true'))).toBe(true);
    expect(parseAllFlag(new URLSearchParams('all=false'))).toBe(false);
    for (const q of ['all=1', 'all=', 'all=TRUE', 'all=true&all=true']) expect(thrownCode(() => parseAllFlag(new URLSearchParams(q)))).toBe('invalid_request');
  });
});

describe("firebase-admin's verdicts on a cookie", () => {
  // An expired cookie cannot be produced by the emulator in a test's time (the shortest lives 5
  // minutes), so the mapping of firebase-admin's expiry error is checked here.
  it('maps expired, revoked, disabled and malformed to 401s, and faults to 503', () => {
    const map = (code: string) => {
      const e = firebaseAuthError(Object.assign(new Error('x'), { code }), 'session cookie');
      return [statusOf(e), e.code];
    };
    expect(map('auth/session-cookie-expired')).toEqual([401, 'expired_credential']);
    expect(map('auth/session-cookie-revoked')).toEqual([401, 'revoked_credential']);
    expect(map('auth/user-disabled')).toEqual([401, 'revoked_credential']);
    expect(map('auth/user-not-found')).toEqual([401, 'revoked_credential']);
    expect(map('auth/argument-error')).toEqual([401, 'invalid_credential']);
    expect(map('auth/internal-error')).toEqual([503, 'unavailable']);
    expect(map('app/network-error')).toEqual([503, 'unavailable']);
  });
});

describe('revoking every session', () => {
  it('waits for the next whole second, so a sign-in earlier in this second is revoked too', async () => {
    expect(msUntilNextSecond(10_000)).toBe(1002);
    expect(msUntilNextSecond(10_999)).toBe(3);
    let t = 41_250;
    const calls: string[] = [];
    const clock = { now: () => t, sleep: async (ms: number) => void calls.push(`sleep ${ms}`, `t ${(t += ms)}`) };
    await revokeAllSessions({ revokeRefreshTokens: async (uid: string) => void calls.push(`revoke ${uid} at ${t}`) }, 'u1', clock);
    expect(calls).toEqual(['sleep 752', 't 42002', 'revoke u1 at 42002']);
  });
});
