/**
 * API key records in Firestore, collection `apiKeys`, one document per key id. A record holds
 * metadata and HMAC digests only: never a secret. Reads are counted (benchmarks and tests
 * assert that malformed keys cost none).
 */
import type { Firestore } from 'firebase-admin/firestore';
import type { KeyRecord, KeyStore } from '../keys/record';
import { datastoreCall, DEFAULT_DATASTORE_TIMEOUT_MS } from './datastore';

const ALREADY_EXISTS = 6;
let fieldValue: typeof import('firebase-admin/firestore').FieldValue | undefined;
export const USAGE_COLLECTION = 'usage';
export const usageDocId = (keyId: string, day: string) => `${keyId}_${day}`;

/** Each call waits at most `timeoutMs`; an unreachable Firestore is a 503 (store/datastore.ts). */
export function firestoreKeyStore(db: () => Firestore, timeoutMs = DEFAULT_DATASTORE_TIMEOUT_MS): KeyStore {
  const stats = { reads: 0, writes: 0 };
  const col = () => db().collection('apiKeys');
  const call = <T>(op: () => Promise<T>) => datastoreCall(timeoutMs, op);
  return {
    stats,
    async create(record) {
      stats.writes++;
      return call(async () => {
        try {
          await col().doc(record.keyId).create(record);
          return true;
        } catch (err) {
          if ((err as { code?: number }).code === ALREADY_EXISTS) return false;
          throw err;
        }
      });
    },
    async get(keyId) {
      stats.reads++;
      const snap = await call(() => col().doc(keyId).get());
      return snap.exists ? (snap.data() as KeyRecord) : undefined;
    },
    async listByOwner(ownerUid, limit) {
      stats.reads++;
      const snap = await call(() => col().where('ownerUid', '==', ownerUid).orderBy('createdAt', 'desc').limit(limit).get());
      return snap.docs.map((d) => d.data() as KeyRecord);
    },
    async update(keyId, patch) {
      stats.writes++;
      await call(() => col().doc(keyId).update(patch));
    },
    async delete(keyId) {
      stats.writes++;
      await call(() => col().doc(keyId).delete());
    },
    async recordUse(ownerUid, flush) {
      stats.writes++;
      // Loaded on the first use (written at once, keys/usage.ts), kept for the timed writes after it.
      const FieldValue = (fieldValue ??= (require('firebase-admin/firestore') as typeof import('firebase-admin/firestore')).FieldValue);
      await call(() => {
        const batch = db().batch();
        if (flush.lastUsedAt !== null) batch.update(col().doc(flush.keyId), { lastUsedAt: flush.lastUsedAt });
        for (const [day, counts] of Object.entries(flush.days)) {
          batch.set(
            db().collection(USAGE_COLLECTION).doc(usageDocId(flush.keyId, day)),
            { keyId: flush.keyId, ownerUid, day, requests: FieldValue.increment(counts.requests), failures: FieldValue.increment(counts.failures) },
            { merge: true },
          );
        }
        return batch.commit();
      });
    },
  };
}
