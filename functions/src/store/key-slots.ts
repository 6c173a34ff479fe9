/**
 * Slot documents of the active-key cap (keys/slots.ts), collection `keySlots`, document
 * `<owner>~<slot>~<previous holder>`. Taking a slot is one `create()`, atomic across instances; a
 * released slot's document keeps `expireAt` for a Firestore TTL policy (a day after release, long
 * after any racing create could still name it).
 */
import type { Firestore } from 'firebase-admin/firestore';
import type { SlotCandidate, SlotDoc } from '../keys/slots';
import { datastoreCall, DEFAULT_DATASTORE_TIMEOUT_MS } from './datastore';

export interface KeySlotStore {
  list(ownerUid: string): Promise<SlotDoc[]>;
  /** The slot document's id when this key now holds the slot; undefined when another create took it first. */
  claim(ownerUid: string, candidate: SlotCandidate, keyId: string, expiresAt: number): Promise<string | undefined>;
  /** Frees a slot (revocation, or a creation undone). */
  release(slotId: string, now: number): Promise<void>;
  /** Brings the slot's end forward to its key's new, earlier expiry (PATCH `expiresAt`). */
  shorten(slotId: string, expiresAt: number): Promise<void>;
}

export const KEY_SLOT_COLLECTION = 'keySlots';
const ALREADY_EXISTS = 6;
const RELEASED_KEPT_MS = 86_400_000;

export const slotDocId = (ownerUid: string, c: SlotCandidate) => `${encodeURIComponent(ownerUid)}~${c.slot}~${c.after || '-'}`;

export function firestoreKeySlots(db: () => Firestore, timeoutMs = DEFAULT_DATASTORE_TIMEOUT_MS): KeySlotStore {
  const col = () => db().collection(KEY_SLOT_COLLECTION);
  const call = <T>(op: () => Promise<T>) => datastoreCall(timeoutMs, op);
  return {
    async list(ownerUid) {
      const snap = await call(() => col().where('ownerUid', '==', ownerUid).get());
      return snap.docs.map((d) => {
        const v = d.data();
        return { slot: v.slot as number, after: v.after as string, keyId: v.keyId as string, expiresAt: v.expiresAt as number, released: v.released === true };
      });
    },
    async claim(ownerUid, candidate, keyId, expiresAt) {
      const id = slotDocId(ownerUid, candidate);
      return call(async () => {
        try {
          await col().doc(id).create({ ownerUid, slot: candidate.slot, after: candidate.after, keyId, expiresAt, released: false });
          return id;
        } catch (err) {
          if ((err as { code?: number }).code === ALREADY_EXISTS) return undefined;
          throw err;
        }
      });
    },
    async release(slotId, now) {
      await call(() => col().doc(slotId).update({ released: true, expireAt: new Date(now + RELEASED_KEPT_MS) }));
    },
    async shorten(slotId, expiresAt) {
      await call(() => col().doc(slotId).update({ expiresAt }));
    },
  };
}
