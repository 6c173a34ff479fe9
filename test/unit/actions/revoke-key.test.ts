// The one way a key is marked revoked (actions/revoke-key.ts): the write, this instance's cache,
// the cap slot; idempotent; never lost to a race; a failed step after the write leaves it standing.
import { keyRevoker } from '../../../functions/src/actions/revoke-key';
import type { KeyRecord } from '../../../functions/src/keys/record';
import { memoryChanges, memoryKeySlots } from '../../harness/memory-stores';
import { keyCache, memoryKeyStore, record, T0 } from '../../harness/memory';

const AT = T0 + 5000;

function setup(rec: KeyRecord) {
  const store = memoryKeyStore([rec]);
  const cache = keyCache(store.records, () => AT);
  const slots = memoryKeySlots();
  const changes = memoryChanges(() => AT);
  const logged: Array<[string, string]> = [];
  const told: Array<[string, string]> = [];
  const onRevoked = async (r: KeyRecord, by: string) => void told.push([r.keyId, by]);
  const revoke = keyRevoker({ store, cache, slots, changes, onRevoked, logStanding: (message, keyId) => void logged.push([message, keyId]) });
  return { store, cache, slots, changes, logged, told, revoke };
}

async function withSlot(rec: KeyRecord, t: ReturnType<typeof setup>): Promise<string> {
  const id = (await t.slots.claim(rec.ownerUid, { slot: 0, after: '' }, rec.keyId, rec.expiresAt))!;
  await t.store.change(rec.keyId, 0, { slotId: id });
  return id;
}

describe('keyRevoker', () => {
  it('writes revokedAt, refuses the key at once on this instance and frees its cap slot', async () => {
    const rec = record();
    const t = setup(rec);
    const slotId = await withSlot(rec, t);
    const current = (await t.store.get(rec.keyId))!;
    expect([current.revokedAt, t.slots.docs.get(slotId)!.released]).toEqual([null, false]);

    const { record: revoked, revoked: changed } = await t.revoke(current, AT, 'owner');

    expect([changed, revoked.revokedAt, revoked.revision]).toEqual([true, AT, 2]);
    expect((await t.store.get(rec.keyId))!.revokedAt).toBe(AT);
    expect(t.cache.peek(rec.keyId)?.revokedAt).toBe(AT);
    expect(t.slots.docs.get(slotId)!.released).toBe(true);
    expect(t.told).toEqual([[rec.keyId, 'owner']]); // the owner's key.revoked notice, on every path
    expect(t.logged).toEqual([]);
  });

  it('is idempotent: an already revoked key is not written again, and is announced on the feed again', async () => {
    const rec = record({ revokedAt: AT - 1 });
    const t = setup(rec);
    const writes = t.store.stats.writes;
    const { record: same, revoked } = await t.revoke(rec, AT, 'owner');
    expect([revoked, same.revokedAt, t.store.stats.writes - writes]).toEqual([false, AT - 1, 0]);
    expect(t.changes.entries.map((e) => [e.kind, e.subject])).toEqual([['key', rec.keyId]]);
    expect(t.told).toEqual([]); // told once, when it was revoked
  });

  it('is never refused for a race: a concurrent change is read back and the revocation lands', async () => {
    const rec = record();
    const t = setup(rec);
    await t.store.change(rec.keyId, 0, { name: 'renamed meanwhile' }); // the caller holds revision 0, the store has 1
    const { record: revoked, revoked: changed } = await t.revoke(rec, AT, 'owner');
    expect([changed, revoked.name, revoked.revokedAt]).toEqual([true, 'renamed meanwhile', AT]);
    expect((await t.store.get(rec.keyId))!).toMatchObject({ name: 'renamed meanwhile', revokedAt: AT, revision: 2 });
  });

  it('stands when freeing the slot fails, and says so for operators', async () => {
    const rec = record();
    const t = setup(rec);
    await withSlot(rec, t);
    t.slots.release = async () => {
      throw new Error('firestore down');
    };
    const { revoked } = await t.revoke((await t.store.get(rec.keyId))!, AT, 'owner');
    expect([revoked, (await t.store.get(rec.keyId))!.revokedAt]).toEqual([true, AT]);
    expect(t.logged).toEqual([['The revoked key still holds its cap slot.', rec.keyId]]);
  });
});
