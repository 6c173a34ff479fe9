/**
 * Single-use nonces of signed requests, collection `nonces`, document `{keyId}:{nonce}`. A nonce
 * is claimed with `create()`, which Firestore performs atomically across every instance: the
 * second claim fails with ALREADY_EXISTS. Each document carries `expireAt` (the end of the
 * timestamp window it was accepted in): a Firestore TTL policy on it deletes old nonces; until
 * then a reused nonce is still refused, which is only stricter.
 */
import type { Firestore } from 'firebase-admin/firestore';
import { datastoreCall, DEFAULT_DATASTORE_TIMEOUT_MS } from './datastore';

export interface NonceStore {
  /** True when the nonce was unused and is now spent; false when it was seen before. */
  claim(keyId: string, nonce: string, expireAt: number): Promise<boolean>;
  readonly stats: { writes: number };
}

export const NONCE_COLLECTION = 'nonces';
const ALREADY_EXISTS = 6;

/** Each claim waits at most `timeoutMs`; an unreachable Firestore is a 503 (store/datastore.ts). */
export function firestoreNonceStore(db: () => Firestore, timeoutMs = DEFAULT_DATASTORE_TIMEOUT_MS): NonceStore {
  const stats = { writes: 0 };
  return {
    stats,
    async claim(keyId, nonce, expireAt) {
      stats.writes++;
      return datastoreCall(timeoutMs, async () => {
        try {
          await db().collection(NONCE_COLLECTION).doc(`${keyId}:${nonce}`).create({ keyId, expireAt: new Date(expireAt) });
          return true;
        } catch (err) {
          if ((err as { code?: number }).code === ALREADY_EXISTS) return false;
          throw err;
        }
      });
    },
  };
}
