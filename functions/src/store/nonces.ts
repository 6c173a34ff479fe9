/**
 * Single-use nonces of signed requests, collection `nonces`, document `{keyId}:{nonce}`. A nonce
 * is claimed with a create, which Firestore performs atomically across every instance: a second
 * claim fails with ALREADY_EXISTS. Each document carries `expireAt` (the end of the timestamp
 * window it was accepted in): a Firestore TTL policy on it deletes old nonces; until then a
 * reused nonce is still refused, which is only stricter.
 *
 * Claims that arrive together share one commit (group commit): a claim waits for the next turn of
 * the event loop, and while a commit is in flight the claims arriving meanwhile gather for the
 * next one, so under load each RPC carries many creates (most of a signed request's cost was its
 * own commit). A batch is all or nothing: when any of its nonces already exists the commit fails
 * with ALREADY_EXISTS and every claim of that batch is retried alone, so each learns its own
 * answer. The same nonce twice in one batch is a replay on this instance: the later claim is
 * refused at once. Replay protection stays exact: at most one claim of a nonce ever succeeds.
 */
import type { Firestore, WriteBatch } from 'firebase-admin/firestore';
import { datastoreCall, DEFAULT_DATASTORE_TIMEOUT_MS } from './datastore';

export interface NonceStore {
  /** True when the nonce was unused and is now spent; false when it was seen before. */
  claim(keyId: string, nonce: string, expireAt: number): Promise<boolean>;
  /** `writes`: nonce documents created; `commits`: Firestore commits (RPCs) that carried them. */
  readonly stats: { writes: number; commits: number };
}

export const NONCE_COLLECTION = 'nonces';
const ALREADY_EXISTS = 6;
/** Firestore's limit of writes in one commit. */
const MAX_BATCH = 500;

interface Pending {
  id: string;
  data: { keyId: string; expireAt: Date };
  resolve(claimed: boolean): void;
  reject(err: unknown): void;
}

/** Each commit waits at most `timeoutMs`; an unreachable Firestore is a 503 (store/datastore.ts). */
export function firestoreNonceStore(db: () => Firestore, timeoutMs = DEFAULT_DATASTORE_TIMEOUT_MS): NonceStore {
  const stats = { writes: 0, commits: 0 };
  const gathering = new Map<string, Pending>();
  let scheduled = false;
  let inFlight = false;

  const collection = () => db().collection(NONCE_COLLECTION);

  async function createOne(p: Pending): Promise<void> {
    stats.commits++;
    try {
      await datastoreCall(timeoutMs, () => collection().doc(p.id).create(p.data));
      stats.writes++;
      p.resolve(true);
    } catch (err) {
      if ((err as { code?: number }).code === ALREADY_EXISTS) p.resolve(false);
      else p.reject(err);
    }
  }

  async function commit(batch: Pending[]): Promise<void> {
    if (batch.length === 1) return createOne(batch[0]!);
    stats.commits++;
    try {
      await datastoreCall(timeoutMs, () => {
        const b: WriteBatch = db().batch();
        for (const p of batch) b.create(collection().doc(p.id), p.data);
        return b.commit();
      });
      stats.writes += batch.length;
      for (const p of batch) p.resolve(true);
    } catch (err) {
      if ((err as { code?: number }).code !== ALREADY_EXISTS) {
        for (const p of batch) p.reject(err);
        return;
      }
      // Some nonce of the batch was spent before: nothing of it was written; each claim alone.
      await Promise.all(batch.map(createOne));
    }
  }

  function flush(): void {
    scheduled = false;
    if (inFlight || gathering.size === 0) return;
    const batch = [...gathering.values()].slice(0, MAX_BATCH);
    for (const p of batch) gathering.delete(p.id);
    inFlight = true;
    void commit(batch).finally(() => {
      inFlight = false;
      if (gathering.size > 0) schedule();
    });
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  }

  return {
    stats,
    claim(keyId, nonce, expireAt) {
      const id = `${keyId}:${nonce}`;
      if (gathering.has(id)) return Promise.resolve(false);
      return new Promise<boolean>((resolve, reject) => {
        gathering.set(id, { id, data: { keyId, expireAt: new Date(expireAt) }, resolve, reject });
        if (!inFlight) schedule();
      });
    },
  };
}
