// In-memory twins of the stores' ports that are not in memory.ts: the limits' counters, the key
// cap's slots, the change feed and the signed-out sessions. Kept out of functions/src so that
// nothing shipped carries test doubles; each mirrors its Firestore adapter's semantics (create()
// for slots, the feed's ordering).
import type { CounterStore } from '../../functions/src/limits/counters';
import type { SlotDoc } from '../../functions/src/keys/slots';
import { slotDocId, type KeySlotStore } from '../../functions/src/store/key-slots';
import { seqOf, type ChangeWriter } from '../../functions/src/store/changes';
import type { Change, ChangeKind, ChangeSource } from '../../functions/src/lib/change-feed';
import { cookieHash, type SignedOutSessions } from '../../functions/src/store/signed-out';

/** Counters in this process's memory: exact, for unit tests of the rules. */
export function memoryCounters(): CounterStore & { values: Map<string, number> } {
  const values = new Map<string, number>();
  const marks = new Set<string>();
  const stats = { reads: 0, writes: 0 };
  return {
    values,
    stats,
    async add(id, n) {
      stats.writes++;
      stats.reads++;
      const value = (values.get(id) ?? 0) + n;
      values.set(id, value);
      return value;
    },
    async read(id) {
      stats.reads++;
      return values.get(id) ?? 0;
    },
    async once(id) {
      stats.writes++;
      if (marks.has(id)) return false;
      marks.add(id);
      return true;
    },
  };
}

/** In memory, with `create()` semantics: for unit tests of the cap. */
export function memoryKeySlots(): KeySlotStore & { docs: Map<string, SlotDoc & { ownerUid: string }> } {
  const docs = new Map<string, SlotDoc & { ownerUid: string }>();
  return {
    docs,
    async list(ownerUid) {
      return [...docs.values()].filter((d) => d.ownerUid === ownerUid).map(({ ownerUid: _o, ...d }) => d);
    },
    async claim(ownerUid, candidate, keyId, expiresAt) {
      const id = slotDocId(ownerUid, candidate);
      if (docs.has(id)) return undefined;
      docs.set(id, { ownerUid, ...candidate, keyId, expiresAt, released: false });
      return id;
    },
    async release(slotId) {
      const d = docs.get(slotId);
      if (d) d.released = true;
    },
    async shorten(slotId, expiresAt) {
      const d = docs.get(slotId);
      if (d) d.expiresAt = expiresAt;
    },
  };
}

/** In memory, for unit tests and twins: the same ordering as the Firestore one. */
export function memoryChanges(now: () => number = Date.now): ChangeWriter & ChangeSource & { entries: Change[] } {
  const entries: Change[] = [];
  const push = (kind: ChangeKind, subject: string, revision?: number) => {
    const at = now();
    entries.push({ id: seqOf(at), kind, subject, at, ...(revision !== undefined ? { revision } : {}) });
    entries.sort((a, b) => (a.id < b.id ? -1 : 1));
  };
  return {
    entries,
    add: (_batch, kind, subject, revision) => push(kind, subject, revision),
    publish: async (kind, subject) => push(kind, subject),
    async since(fromAt, limit, afterId) {
      const after = afterId ?? seqOf(fromAt).slice(0, 13);
      return entries.filter((e) => e.id > after).slice(0, limit);
    },
  };
}

/** In memory, for unit tests. */
export function memorySignedOutSessions(): SignedOutSessions {
  const ended = new Set<string>();
  return {
    has: async (cookie, hash = cookieHash(cookie)) => ended.has(hash),
    add: async (cookie) => void ended.add(cookieHash(cookie)),
  };
}
