/**
 * The one way a key is marked revoked, whatever asks (its owner or an admin, the key itself, a
 * leak report): the conditional write, the record in this instance's cache (refused here at
 * once), its slot under the per-user cap freed, and its owner told (the `key.revoked` notice).
 * Any new path that revokes calls this, so none can forget a step. Audit stays with the caller,
 * which knows why the key was revoked.
 */
import type { KeyCache } from '../credentials/key-credential';
import { KeywardError } from '../errors';
import { revisionOf, type KeyRecord, type KeyStore } from '../keys/record';
import type { ChangeWriter } from '../store/changes';
import type { KeySlotStore } from '../store/key-slots';

export interface KeyRevokerDeps {
  store: Pick<KeyStore, 'get' | 'change'>;
  cache: Pick<KeyCache, 'set'>;
  slots: Pick<KeySlotStore, 'release'>;
  /** The change feed (store/changes.ts): the store writes the entry with the change; this re-sends one. */
  changes?: Pick<ChangeWriter, 'publish'>;
  /** Told of every revocation that landed (the owner's `key.revoked` notice); its failure does not undo it. */
  onRevoked?: (record: KeyRecord, by: RevokedBy) => Promise<unknown>;
  /** Reports a step that failed after the revocation landed (it stands; operators are told). */
  logStanding: (message: string, keyId: string, err: unknown, requestId?: string) => void;
}

/** Who revoked: the owner (or an admin), the key itself, a secret scanner's report, a team event. */
export type RevokedBy = 'owner' | 'key' | 'secret_scanning' | 'team';

export type RevokeKey = (record: KeyRecord, at: number, by: RevokedBy, requestId?: string) => Promise<{ record: KeyRecord; revoked: boolean }>;

/**
 * Revokes for good. Conditional like every change, but never refused for a race: a concurrent
 * change is read back and the revocation tried again, so it always lands and nothing undoes it.
 * `revoked` is false when the key was already revoked (revocation is idempotent).
 */
export function keyRevoker(deps: KeyRevokerDeps): RevokeKey {
  return async (record, at, by, requestId) => {
    let current: KeyRecord | undefined = record;
    for (let attempt = 0; current && attempt < 5; attempt++) {
      if (current.revokedAt !== null) {
        // Already revoked, perhaps by a write that landed after its caller gave up on it (and so
        // possibly outside the feed's window): say it again, so every instance drops the key now.
        const keyId = current.keyId;
        await deps.changes?.publish('key', keyId).catch((err: unknown) => deps.logStanding('The revoked key could not be announced on the change feed again.', keyId, err, requestId));
        return { record: current, revoked: false };
      }
      if (await deps.store.change(current.keyId, revisionOf(current), { revokedAt: at })) {
        const revoked = { ...current, revokedAt: at, revision: revisionOf(current) + 1 };
        deps.cache.set(revoked.keyId, revoked); // refused at once on this instance
        // Its slot under the cap is free again; if that write fails the slot frees itself when the key would have expired.
        if (revoked.slotId) await deps.slots.release(revoked.slotId, at).catch((err: unknown) => deps.logStanding('The revoked key still holds its cap slot.', revoked.keyId, err, requestId));
        await deps.onRevoked?.(revoked, by).catch((err: unknown) => deps.logStanding('The owner could not be told of the revocation.', revoked.keyId, err, requestId));
        return { record: revoked, revoked: true };
      }
      current = await deps.store.get(record.keyId);
    }
    throw new KeywardError('unavailable', 'The key kept changing while it was being revoked; try again.', { retryAfterSeconds: 1 });
  };
}
