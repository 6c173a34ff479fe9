/**
 * Reading the usage documents `usage/{keyId}_{yyyy-mm-dd}` (written by store/keys.ts `recordUse`):
 * one document per key per UTC day, `{keyId, ownerUid, day, requests, failures}`. A range query
 * returns only the days a key was used, so a quiet month costs no reads.
 */
import type { Firestore } from 'firebase-admin/firestore';
import { datastoreCall, DEFAULT_DATASTORE_TIMEOUT_MS } from './datastore';
import { USAGE_COLLECTION } from './keys';

export interface UsageDay {
  keyId: string;
  ownerUid: string;
  day: string;
  requests: number;
  failures: number;
}

export interface UsageStore {
  /** The usage documents of one key (`keyId`) or of every key of one owner (`ownerUid`), days `from`..`to` inclusive. */
  query(by: { keyId: string } | { ownerUid: string }, from: string, to: string): Promise<UsageDay[]>;
}

/** A range query needs the composite indexes (keyId, day) and (ownerUid, day) of firestore.indexes.json. */
export function firestoreUsageStore(db: () => Firestore, timeoutMs = DEFAULT_DATASTORE_TIMEOUT_MS): UsageStore {
  return {
    async query(by, from, to) {
      const [field, value] = 'keyId' in by ? ['keyId', by.keyId] : ['ownerUid', by.ownerUid];
      const snap = await datastoreCall(timeoutMs, () =>
        db().collection(USAGE_COLLECTION).where(field, '==', value).where('day', '>=', from).where('day', '<=', to).limit(5000).get(),
      );
      return snap.docs.map((d) => {
        const data = d.data();
        const count = (v: unknown) => (typeof v === 'number' ? v : 0);
        return { keyId: String(data.keyId), ownerUid: String(data.ownerUid), day: String(data.day), requests: count(data.requests), failures: count(data.failures) };
      });
    },
  };
}
