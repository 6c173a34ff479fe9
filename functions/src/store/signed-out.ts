/**
 * Session cookies that were signed out, collection `signedOutSessions`, one document per cookie,
 * named by the SHA-256 of the cookie (never the cookie itself). Firebase cannot revoke a single
 * session cookie (only every session of a user), so Keyward remembers the ones that ended until
 * they would have expired anyway: `expireAt` is the cookie's own `exp`, and a Firestore TTL
 * policy deletes the document after it.
 *
 * Lookups are cached for `ttlMs` (the revocation bound), or `longTtlMs` while the change feed
 * vouches for them: a sign-out is refused at once on the instance that signed out, and on the
 * others when they read its `session` feed entry (written in the same batch; docs/cache.md).
 */
import type { Firestore } from 'firebase-admin/firestore';
import { RefreshingCache } from '../lib/refreshing-cache';
import { tokenHash } from '../lib/token-hash';
import type { ChangeFollower } from '../lib/change-feed';
import type { ChangeWriter } from './changes';
import { datastoreCall, DEFAULT_DATASTORE_TIMEOUT_MS } from './datastore';

export interface SignedOutSessions {
  /** Whether this cookie was signed out. `hash`: its cookieHash, when the caller has it. */
  has(cookie: string, hash?: string): Promise<boolean>;
  /** Remembers the cookie as signed out until `expireAt` (epoch ms). */
  add(cookie: string, expireAt: number): Promise<void>;
}

export const SIGNED_OUT_COLLECTION = 'signedOutSessions';

export const cookieHash = tokenHash;

/** Each call waits at most `timeoutMs`; an unreachable Firestore is a 503 (store/datastore.ts). */
export interface SignedOutFeed {
  changes: Pick<ChangeWriter, 'add'>;
  follower: ChangeFollower;
  longTtlMs: number;
}

export function firestoreSignedOutSessions(db: () => Firestore, ttlMs: number, timeoutMs = DEFAULT_DATASTORE_TIMEOUT_MS, now: () => number = Date.now, feed?: SignedOutFeed): SignedOutSessions {
  const doc = (hash: string) => db().collection(SIGNED_OUT_COLLECTION).doc(hash);
  const cache = new RefreshingCache<string, boolean>({
    ttlMs,
    maxEntries: 50_000,
    now,
    feed: feed?.follower,
    longTtlMs: feed?.longTtlMs,
    load: async (hash) => (await datastoreCall(timeoutMs, () => doc(hash).get())).exists,
  });
  feed?.follower.subscribe('session', cache);
  return {
    async has(cookie, hash = cookieHash(cookie)) {
      return cache.peek(hash) ?? (await cache.get(hash));
    },
    async add(cookie, expireAt) {
      const hash = cookieHash(cookie);
      await datastoreCall(timeoutMs, () => {
        const batch = db().batch();
        batch.set(doc(hash), { expireAt: new Date(expireAt) });
        feed?.changes.add(batch, 'session', hash);
        return batch.commit();
      });
      cache.set(hash, true);
    },
  };
}
