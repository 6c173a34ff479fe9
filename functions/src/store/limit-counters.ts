/**
 * The limiter's shared counters (limits/counters.ts) in Firestore, collection `rateLimits`, one
 * document per subject and window. Only primitives that are exact under concurrency are used:
 * `FieldValue.increment` (applied by Firestore itself, no read-modify-write, no transaction) and
 * `create()` (one winner per id). An addition is read back afterwards: the value read includes it
 * and possibly later ones, which is what the limiter needs (an upper bound of the value it made).
 * Each document carries `expireAt`: a Firestore TTL policy on it deletes old windows.
 */
import type { Firestore } from 'firebase-admin/firestore';
import type { CounterStore } from '../limits/counters';
import { datastoreCall, DEFAULT_DATASTORE_TIMEOUT_MS } from './datastore';

export const RATE_LIMIT_COLLECTION = 'rateLimits';
const ALREADY_EXISTS = 6;

/** Each call waits at most `timeoutMs`; an unreachable Firestore is a 503 (store/datastore.ts). */
export function firestoreCounters(db: () => Firestore, timeoutMs = DEFAULT_DATASTORE_TIMEOUT_MS): CounterStore {
  const stats = { reads: 0, writes: 0 };
  const doc = (id: string) => db().collection(RATE_LIMIT_COLLECTION).doc(id);
  const call = <T>(op: () => Promise<T>) => datastoreCall(timeoutMs, op);
  const countOf = (value: unknown) => (typeof value === 'number' ? value : 0);
  return {
    stats,
    async add(id, n, expireAt) {
      const { FieldValue } = require('firebase-admin/firestore') as typeof import('firebase-admin/firestore');
      stats.writes++;
      await call(() => doc(id).set({ count: FieldValue.increment(n), expireAt: new Date(expireAt) }, { merge: true }));
      stats.reads++;
      const value = countOf((await call(() => doc(id).get())).get('count'));
      if (value < n) throw new Error('rate limit counter lost an addition');
      return value;
    },
    async read(id) {
      stats.reads++;
      return countOf((await call(() => doc(id).get())).get('count'));
    },
    async once(id, expireAt) {
      stats.writes++;
      return call(async () => {
        try {
          await doc(`${id}:once`).create({ expireAt: new Date(expireAt) });
          return true;
        } catch (err) {
          if ((err as { code?: number }).code === ALREADY_EXISTS) return false;
          throw err;
        }
      });
    },
  };
}
