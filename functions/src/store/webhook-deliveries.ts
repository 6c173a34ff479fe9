/**
 * The webhook delivery log in Firestore:
 * - `webhookDeliveries/{delivery id}`: one notice's delivery to its owner's webhook: the event, the
 *   endpoint (scheme and host only), the body it signs on every attempt, each attempt's time, status
 *   or error and duration (never the receiver's answer body), the next attempt and the state;
 * - `webhookAttempts/{delivery id}:{n}`: attempt n's claim. Cloud Tasks delivers a task at least
 *   once; only the caller that `create()`s the claim makes the attempt, on any instance.
 * The delivery is created with `create()` too (its id comes from the notice), so a notice is logged once.
 */
import type { Firestore } from 'firebase-admin/firestore';
import { createIfAbsent, datastoreCall, DEFAULT_DATASTORE_TIMEOUT_MS } from './datastore';

export type DeliveryState = 'pending' | 'delivered' | 'failed' | 'disabled';

export interface DeliveryAttempt {
  at: number;
  /** The receiver's HTTP status, when it answered. */
  status?: number;
  /** Why there was no answer: `timeout`, `address refused`, `unresolved`, `not connected`, `no webhook`, `webhook disabled`. */
  error?: string;
  durationMs: number;
}

export interface DeliveryRecord {
  id: string;
  ownerUid: string;
  event: string;
  noticeId: string;
  keyId: string;
  /** The webhook's scheme and host when the delivery was made (its path may hold the receiver's tokens). */
  endpoint: string;
  /** The JSON body, signed again on every attempt. */
  body: string;
  createdAt: number;
  attempts: DeliveryAttempt[];
  /** The number of the next attempt (its task carries it); the attempts made so far when none is due. */
  next: number;
  nextRetryAt: number | null;
  state: DeliveryState;
  /** A retry asked for by the owner: one attempt, no schedule after it. */
  manual: boolean;
}

export interface DeliveryStore {
  /** False when the delivery was already logged. */
  create(record: DeliveryRecord): Promise<boolean>;
  get(id: string): Promise<DeliveryRecord | undefined>;
  /** True for the one caller that claims attempt `n` of the delivery. */
  claimAttempt(id: string, n: number, at: number): Promise<boolean>;
  update(id: string, change: Partial<Omit<DeliveryRecord, 'id' | 'ownerUid'>>): Promise<void>;
  /** Newest first; one owner's, or everyone's. */
  list(ownerUid: string | undefined, limit: number, before?: number): Promise<DeliveryRecord[]>;
}

const DELIVERIES = 'webhookDeliveries';

export function firestoreDeliveryStore(db: () => Firestore, timeoutMs = DEFAULT_DATASTORE_TIMEOUT_MS): DeliveryStore {
  const call = <T>(op: () => Promise<T>) => datastoreCall(timeoutMs, op);
  const create = (collection: string, id: string, data: Record<string, unknown>) => call(() => createIfAbsent(db().collection(collection).doc(id), data));
  return {
    create: (record) => create(DELIVERIES, record.id, { ...record }),
    async get(id) {
      const snap = await call(() => db().collection(DELIVERIES).doc(id).get());
      return snap.exists ? (snap.data() as DeliveryRecord) : undefined;
    },
    claimAttempt: (id, n, at) => create('webhookAttempts', `${id}:${n}`, { at }),
    async update(id, change) {
      await call(() => db().collection(DELIVERIES).doc(id).update(change));
    },
    async list(ownerUid, limit, before) {
      let query = db().collection(DELIVERIES).orderBy('createdAt', 'desc');
      if (ownerUid !== undefined) query = query.where('ownerUid', '==', ownerUid);
      if (before !== undefined) query = query.where('createdAt', '<', before);
      const snap = await call(() => query.limit(limit).get());
      return snap.docs.map((d) => d.data() as DeliveryRecord);
    },
  };
}
