/**
 * The active-key cap, exact under concurrent creates without transactions (the Firestore
 * stand-in does not isolate them): each active key holds one of the owner's `cap` slots, and a
 * slot is taken with a `create()` of a document named after the slot and the key that held it
 * before (`after`). Two creates racing for one free slot name the same document, so exactly one
 * succeeds; a holder's document is never deleted while it is live, and ids are never reused, so
 * no stale reader can take a slot twice. Pure: which slots are free, given their documents.
 */

export interface SlotDoc {
  slot: number;
  /** The key that held the slot before this one ('' for the first holder). */
  after: string;
  keyId: string;
  expiresAt: number;
  /** Set when the key is revoked (or was never usable); the slot is free again. */
  released: boolean;
}

export interface SlotCandidate {
  slot: number;
  after: string;
}

const live = (d: SlotDoc, now: number) => !d.released && d.expiresAt > now;

/**
 * How many keys hold a slot now, and the free slots (lowest first) a new key may try to take. A
 * live holder always heads its slot (a successor is only created once the holder was seen dead,
 * and a dead key never lives again), so counting live documents is exact.
 */
export function slotState(docs: readonly SlotDoc[], cap: number, now: number): { active: number; free: SlotCandidate[] } {
  const active = docs.filter((d) => live(d, now)).length;
  const free: SlotCandidate[] = [];
  if (active >= cap) return { active, free };
  for (let slot = 0; slot < cap; slot++) {
    const chain = docs.filter((d) => d.slot === slot);
    if (chain.some((d) => live(d, now))) continue;
    // The head: the holder no other document names as `after` (one per slot; ties, only after old
    // documents expired away, broken the same way by every reader).
    const succeeded = new Set(chain.map((d) => d.after));
    const head = chain.filter((d) => !succeeded.has(d.keyId)).sort((a, b) => (a.keyId < b.keyId ? -1 : 1))[0];
    free.push({ slot, after: head?.keyId ?? '' });
  }
  return { active, free };
}
