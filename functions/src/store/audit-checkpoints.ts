/**
 * The audit chains' signed checkpoints in Firestore, collection `auditCheckpoints`, one document
 * per checkpoint named `<chain>-<seq>` (a retry rewrites the same document): the second store
 * (docs/audit.md#checkpoints), so that removing the tail of the log, checkpoints included, is
 * visible from here, and removing these is visible from the log. Only the JWS counts; the plain
 * fields are there to query by.
 */
import type { Firestore } from 'firebase-admin/firestore';
import type { CheckpointStore } from '../audit/checkpointer';
import { datastoreCall, DEFAULT_DATASTORE_TIMEOUT_MS } from './datastore';

export const AUDIT_CHECKPOINTS_COLLECTION = 'auditCheckpoints';

export interface AuditCheckpointReader {
  /** The JWS of every checkpoint made from `from` to `to` (ISO, inclusive), oldest first; at most `limit`. */
  between(from: string, to: string, limit: number): Promise<string[]>;
}

export function firestoreAuditCheckpoints(db: () => Firestore, timeoutMs = DEFAULT_DATASTORE_TIMEOUT_MS): { store: CheckpointStore; reader: AuditCheckpointReader } {
  const col = () => db().collection(AUDIT_CHECKPOINTS_COLLECTION);
  return {
    store: async (batch) => {
      await datastoreCall(timeoutMs, async () => {
        const w = db().batch();
        for (const { claims, jws } of batch) w.set(col().doc(`${claims.chain}-${claims.seq}`), { chain: claims.chain, seq: claims.seq, at: claims.at, final: claims.final, jws });
        await w.commit();
      });
    },
    reader: {
      async between(from, to, limit) {
        const snap = await datastoreCall(timeoutMs, () => col().where('at', '>=', from).where('at', '<=', to).orderBy('at').limit(limit).get());
        return snap.docs.map((d) => d.get('jws')).filter((j): j is string => typeof j === 'string');
      },
    },
  };
}
