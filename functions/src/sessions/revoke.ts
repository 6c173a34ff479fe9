/**
 * Signs a user out everywhere: every session cookie, ID token and refresh token issued so far
 * stops working. Firebase records this as the user's `validSince` (tokens-valid-after), in whole
 * seconds of the caller's clock, and refuses credentials whose `auth_time` is before it. A sign-in
 * earlier in the same second would therefore survive, so we wait for the next second to begin
 * before revoking: every credential that exists when this is called is refused afterwards, for at
 * most a second of delay on a rare operation.
 */
import type { AuthPort } from '../store/users';

export interface Clock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export const systemClock: Clock = {
  now: Date.now,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Milliseconds from `nowMs` until the next whole second (a small margin for clock granularity). */
export function msUntilNextSecond(nowMs: number): number {
  return (Math.floor(nowMs / 1000) + 1) * 1000 - nowMs + 2;
}

export async function revokeAllSessions(auth: Pick<AuthPort, 'revokeRefreshTokens'>, uid: string, clock: Clock = systemClock): Promise<void> {
  await clock.sleep(msUntilNextSecond(clock.now()));
  await auth.revokeRefreshTokens(uid);
}
