/**
 * Shared counters for rate-limit windows, collection `rateLimits`, one document per subject and
 * window. An increment is applied by Firestore itself (no read-modify-write, no transaction),
 * then read back: the value read includes this request and every one applied before it, so a
 * request that reads a count within the limit was within the limit. Concurrent requests may see
 * each other's increments and be refused slightly early, never admitted beyond the limit.
 * Each document carries `expireAt`: a Firestore TTL policy on it deletes old windows.
 */
import type { Firestore } from 'firebase-admin/firestore';
import { datastoreCall, DEFAULT_DATASTORE_TIMEOUT_MS } from './datastore';

export interface WindowCounter {
  /** Adds one to the counter `id` and returns its new value. */
  hit(id: string, expireAt: number): Promise<number>;
  readonly stats: { reads: number; writes: number };
}

export const RATE_LIMIT_COLLECTION = 'rateLimits';

/** Each call waits at most `timeoutMs`; an unreachable Firestore is a 503 (store/datastore.ts). */
export function firestoreWindowCounter(db: () => Firestore, timeoutMs = DEFAULT_DATASTORE_TIMEOUT_MS): WindowCounter {
  const stats = { reads: 0, writes: 0 };
  return {
    stats,
    async hit(id, expireAt) {
      const { FieldValue } = require('firebase-admin/firestore') as typeof import('firebase-admin/firestore');
      const doc = db().collection(RATE_LIMIT_COLLECTION).doc(id);
      stats.writes++;
      await datastoreCall(timeoutMs, () => doc.set({ count: FieldValue.increment(1), expireAt: new Date(expireAt) }, { merge: true }));
      stats.reads++;
      const snap = await datastoreCall(timeoutMs, () => doc.get());
      const count = snap.get('count');
      if (typeof count !== 'number') throw new Error('rate limit counter missing after increment');
      return count;
    },
  };
}
