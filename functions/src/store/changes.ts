/**
 * The change feed in Firestore, collection `changes` (docs/cache.md): one document per change
 * another instance must honour, `{kind, subject, at, seq, expireAt}`. `seq` (also the document
 * id) is `at` in 13 zero-padded digits and a random tail: it sorts by time, never collides, and
 * pages by a plain range on one field, which every Firestore (the local stand-in included)
 * serves. Stores add the entry to the same batch as the change itself, so a change never lands
 * without its entry. A TTL policy on `expireAt` deletes entries once no cache can hold what they
 * name (the record lifetime) plus a day.
 */
import { randomBytes } from 'node:crypto';
import type { DocumentReference, Firestore, WriteBatch } from 'firebase-admin/firestore';
import type { Change, ChangeKind, ChangeSource } from '../lib/change-feed';
import { datastoreCall, DEFAULT_DATASTORE_TIMEOUT_MS } from './datastore';

export const CHANGES_COLLECTION = 'changes';
const RETAIN_MS = 86_400_000;
const KINDS: readonly string[] = ['key', 'user', 'owner-limits', 'session', 'team', 'member'] satisfies ChangeKind[];

const seqOf = (at: number) => `${String(Math.max(0, Math.floor(at))).padStart(13, '0')}-${randomBytes(6).toString('hex')}`;

export interface ChangeWriter {
  /** Adds the entry to `batch` (committed with the change it records); `revision`: the subject's after it. */
  add(batch: WriteBatch, kind: ChangeKind, subject: string, revision?: number): void;
  /** Writes an entry on its own: for changes made outside Firestore (Firebase Auth). */
  publish(kind: ChangeKind, subject: string): Promise<void>;
}

export function firestoreChanges(db: () => Firestore, timeoutMs = DEFAULT_DATASTORE_TIMEOUT_MS, now: () => number = Date.now, retainMs = RETAIN_MS): ChangeWriter & ChangeSource {
  const col = () => db().collection(CHANGES_COLLECTION);
  const entry = (kind: ChangeKind, subject: string, revision?: number): [DocumentReference, Record<string, unknown>] => {
    const at = now();
    const seq = seqOf(at);
    return [col().doc(seq), { kind, subject, at, seq, expireAt: new Date(at + retainMs), ...(revision !== undefined ? { revision } : {}) }];
  };
  return {
    add(batch, kind, subject, revision) {
      const [ref, data] = entry(kind, subject, revision);
      batch.create(ref, data);
    },
    async publish(kind, subject) {
      const [ref, data] = entry(kind, subject);
      await datastoreCall(timeoutMs, () => ref.create(data));
    },
    async since(fromAt, limit, afterId) {
      const after = afterId ?? seqOf(fromAt).slice(0, 13);
      const snap = await datastoreCall(timeoutMs, () => col().where('seq', '>', after).orderBy('seq').limit(limit).get());
      const out: Change[] = [];
      for (const doc of snap.docs) {
        const d = doc.data();
        // Anything not written by this module is skipped, never trusted as a drop list.
        if (typeof d.subject !== 'string' || typeof d.at !== 'number' || !KINDS.includes(d.kind)) continue;
        out.push({ id: doc.id, kind: d.kind, subject: d.subject, at: d.at, ...(typeof d.revision === 'number' ? { revision: d.revision } : {}) });
      }
      return out;
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
