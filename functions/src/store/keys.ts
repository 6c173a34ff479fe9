/**
 * API key records in Firestore, collection `apiKeys`, one document per key id. A record holds
 * metadata and HMAC digests only: never a secret. Reads are counted (benchmarks and tests
 * assert that malformed keys cost none).
 *
 * Changes are conditional on the record's `revision`: one batch creates the marker document
 * `apiKeys/{id}/revisions/{revision + 1}` and updates the record. Two writers that read the same
 * revision name the same marker, so exactly one commit succeeds (a batch is atomic, and a
 * `create()` of an existing document fails it). This rests only on `create()`, which every
 * Firestore honours: the local stand-in neither isolates transactions nor checks update-time
 * preconditions. Markers are a few bytes each, never reused, and go with the key.
 *
 * Every create, change and delete also adds a `key` entry to the change feed (store/changes.ts) in
 * the same batch, so other instances drop their copy within a second (docs/cache.md).
 */
import type { Firestore } from 'firebase-admin/firestore';
import { revisionOf, type KeyRecord, type KeyStore } from '../keys/record';
import type { ChangeWriter } from './changes';
import { datastoreCall, DEFAULT_DATASTORE_TIMEOUT_MS } from './datastore';

const ALREADY_EXISTS = 6;
const REVISIONS = 'revisions';
let fieldValue: typeof import('firebase-admin/firestore').FieldValue | undefined;
export const USAGE_COLLECTION = 'usage';
export const usageDocId = (keyId: string, day: string) => `${keyId}_${day}`;

/** Each call waits at most `timeoutMs`; an unreachable Firestore is a 503 (store/datastore.ts). */
export function firestoreKeyStore(db: () => Firestore, timeoutMs = DEFAULT_DATASTORE_TIMEOUT_MS, changes?: Pick<ChangeWriter, 'add'>): KeyStore {
  const stats = { reads: 0, writes: 0 };
  const col = () => db().collection('apiKeys');
  const call = <T>(op: () => Promise<T>) => datastoreCall(timeoutMs, op);
  return {
    stats,
    async create(record) {
      stats.writes++;
      return call(async () => {
        try {
          const batch = db().batch();
          batch.create(col().doc(record.keyId), record);
          // A miss may be cached (an unknown id is remembered as unknown): the new key ends it everywhere.
          changes?.add(batch, 'key', record.keyId, revisionOf(record));
          await batch.commit();
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
    async change(keyId, revision, patch) {
      stats.writes++;
      return call(async () => {
        const doc = col().doc(keyId);
        const batch = db().batch();
        batch.create(doc.collection(REVISIONS).doc(String(revision + 1)), { at: Date.now() });
        batch.update(doc, { ...patch, revision: revision + 1 });
        changes?.add(batch, 'key', keyId, revision + 1);
        try {
          await batch.commit();
          return true;
        } catch (err) {
          if ((err as { code?: number }).code === ALREADY_EXISTS) return false;
          throw err;
        }
      });
    },
    async delete(keyId) {
      stats.writes++;
      await call(() => {
        const batch = db().batch();
        batch.delete(col().doc(keyId));
        changes?.add(batch, 'key', keyId);
        return batch.commit();
      });
    },
    async recordUse(ownerUid, flush) {
      stats.writes++;
      // Loaded on the first use (written at once, keys/use-recorder.ts), kept for the timed writes after it.
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
