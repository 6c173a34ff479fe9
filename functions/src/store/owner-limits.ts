/**
 * An owner's own limits and credits, shared by all their keys: `ownerLimits/{uid}`, one document
 * per owner, written whole (`{limits, credits, updatedAt}`; null for what is not set). Each write
 * adds an `owner-limits` entry to the change feed in the same batch (docs/cache.md).
 */
import type { Firestore } from 'firebase-admin/firestore';
import type { StoredCredits, RequestLimits } from '../keys/limits';
import type { ChangeWriter } from './changes';
import { datastoreCall, DEFAULT_DATASTORE_TIMEOUT_MS } from './datastore';

export interface OwnerLimits {
  limits: RequestLimits | null;
  credits: StoredCredits | null;
  updatedAt: number;
}

export interface OwnerLimitsStore {
  get(uid: string): Promise<OwnerLimits | null>;
  set(uid: string, settings: OwnerLimits): Promise<void>;
  delete(uid: string): Promise<void>;
}

export const OWNER_LIMITS_COLLECTION = 'ownerLimits';

/** Each call waits at most `timeoutMs`; an unreachable Firestore is a 503 (store/datastore.ts). */
export function firestoreOwnerLimits(db: () => Firestore, timeoutMs = DEFAULT_DATASTORE_TIMEOUT_MS, changes?: Pick<ChangeWriter, 'add'>): OwnerLimitsStore {
  const doc = (uid: string) => db().collection(OWNER_LIMITS_COLLECTION).doc(uid);
  const call = <T>(op: () => Promise<T>) => datastoreCall(timeoutMs, op);
  return {
    async get(uid) {
      const snap = await call(() => doc(uid).get());
      return snap.exists ? (snap.data() as OwnerLimits) : null;
    },
    async set(uid, settings) {
      await call(() => {
        const batch = db().batch();
        batch.set(doc(uid), settings);
        changes?.add(batch, 'owner-limits', uid);
        return batch.commit();
      });
    },
    async delete(uid) {
      await call(() => {
        const batch = db().batch();
        batch.delete(doc(uid));
        changes?.add(batch, 'owner-limits', uid);
        return batch.commit();
      });
    },
  };
}
