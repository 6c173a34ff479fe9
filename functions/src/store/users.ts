/**
 * Users as the hot path needs them: current custom claims, disabled flag and the time before
 * which their tokens are revoked (`tokensValidAfterTime`). Cached for `ttlMs` (the revocation
 * bound across instances); this instance forgets a user at once when it revokes or changes them,
 * and the others when they read the `user` entry of the change feed (docs/cache.md). Users stay
 * on the short lifetime even then: they can change outside Keyward (the Firebase console), and
 * reading them costs no Firestore read.
 */
import type { Auth } from 'firebase-admin/auth';
import type { Claims } from '../identity';
import { unavailable } from '../errors';
import { RefreshingCache } from '../lib/refreshing-cache';
import type { ChangeFollower } from '../lib/change-feed';

export type AuthPort = Pick<
  Auth,
  'getUser' | 'verifyIdToken' | 'verifySessionCookie' | 'createSessionCookie' | 'revokeRefreshTokens' | 'setCustomUserClaims'
>;

export interface UserRecordLite {
  uid: string;
  email?: string;
  /** Whether Firebase Auth has verified `email` (accepting a team invitation needs it). */
  emailVerified?: boolean;
  claims: Claims;
  disabled: boolean;
  /** Tokens issued (auth_time / iat) before this instant, in seconds, are revoked. */
  validSince: number;
}

export interface UserDirectory {
  get(uid: string): Promise<UserRecordLite | undefined>;
  /** Forget the cached record so the next request sees the change (revocation on this instance). */
  invalidate(uid: string): void;
}

function isUserNotFound(err: unknown): boolean {
  return (err as { code?: string }).code === 'auth/user-not-found';
}

export function userDirectory(auth: () => AuthPort, ttlMs: number, feed?: ChangeFollower): UserDirectory {
  const cache = new RefreshingCache<string, UserRecordLite | null>({
    ttlMs,
    maxEntries: 10_000,
    feed, // polled from here too (ID tokens touch no other cache); no long lifetime
    async load(uid) {
      try {
        const user = await auth().getUser(uid);
        return {
          uid: user.uid,
          email: user.email,
          emailVerified: user.emailVerified,
          claims: (user.customClaims ?? {}) as Claims,
          disabled: user.disabled,
          validSince: user.tokensValidAfterTime ? Math.floor(Date.parse(user.tokensValidAfterTime) / 1000) : 0,
        };
      } catch (err) {
        if (isUserNotFound(err)) return null;
        // Auth down, or our own service account refused: a dependency fault (503), with its cause.
        throw unavailable('Firebase Auth is unavailable; try again shortly.', err);
      }
    },
  });
  feed?.subscribe('user', cache);
  return {
    get(uid) {
      // A cache hit answers without another async layer: this runs on every authenticated request.
      const hit = cache.peek(uid);
      return hit !== undefined ? Promise.resolve(hit ?? undefined) : cache.get(uid).then((user) => user ?? undefined);
    },
    invalidate(uid) {
      cache.delete(uid);
    },
  };
}
