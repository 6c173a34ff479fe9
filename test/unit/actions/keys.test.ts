// Key management with in-memory ports and a frozen clock: who may do what to which key, the
// limits on what a key may hold, and that nothing changes unless it was audited.
import { keyService } from '../../../functions/src/actions/keys';
import { loadConfig } from '../../../functions/src/config';
import type { KeyCache } from '../../../functions/src/credentials/key-credential';
import type { Identity } from '../../../functions/src/identity';
import type { KeyRecord } from '../../../functions/src/keys/record';
import { parseKey } from '../../../functions/src/keys/format';
import { RefreshingCache } from '../../../functions/src/lib/refreshing-cache';
import { clock, hmacMaterial, info, memoryAuditSink, memoryKeyStore, memorySecret, noUseRecorder, users } from '../../harness/memory';
import { codeOf } from '../../harness/outcomes';
import { memoryKeySlots } from '../../harness/memory-stores';

const DAY = 86_400_000;
const alice: Identity = { uid: 'alice', claims: { permissions: ['reports'] }, method: 'session' };
const bob: Identity = { uid: 'bob', claims: {}, method: 'id_token' };
const admin: Identity = { uid: 'root', claims: { admin: true }, method: 'session' };

function setup(env: Record<string, string> = {}) {
  const time = clock();
  const config = loadConfig({ GOOGLE_CLOUD_PROJECT: 'demo-test', ...env });
  const store = memoryKeyStore();
  const cache: KeyCache = new RefreshingCache<string, KeyRecord | null>({ ttlMs: 1000, maxEntries: 100, now: time.now, load: async (id) => (await store.get(id)) ?? null });
  const audit = memoryAuditSink();
  const hmacSecret = memorySecret([{ version: '1', material: hmacMaterial() }]);
  const keys = keyService({ config, store, slots: memoryKeySlots(), cache, hmacSecret, users: users([]), audit, useRecorder: noUseRecorder, now: time.now });
  return { time, config, store, cache, audit, keys };
}

describe('key service', () => {
  it('creates a key the owner can see, audited, cached, and shown once', async () => {
    const s = setup();
    const created = await s.keys.create(alice, { name: 'billing', scopes: ['reports'] }, info());
    const parsed = parseKey(created.key)!;
    expect(parsed).toMatchObject({ type: 'server', keyId: created.id });
    expect(created).toMatchObject({ name: 'billing', status: 'active', scopes: ['reports'], expiresAt: new Date(s.time.now() + s.config.keys.defaultTtlDays * DAY).toISOString() });
    const stored = s.store.records.get(created.id)!;
    expect(JSON.stringify(stored)).not.toContain(parsed.secret);
    expect(s.cache.peek(created.id)).toEqual(stored);
    expect(s.audit.events).toMatchObject([{ event: 'key.create', actor: { uid: 'alice', method: 'session' }, target: { uid: 'alice', keyId: created.id } }]);
    const listed = await s.keys.list(alice);
    expect(listed.map((k) => k.id)).toEqual([created.id]);
    expect(JSON.stringify(listed)).not.toContain(parsed.secret);
  });

  it('refuses what a key may not hold: scopes beyond the owner, a web key without origins, too many keys, a past expiry', async () => {
    const s = setup({ KEYWARD_KEYS_PER_USER: '2' });
    expect(await codeOf(s.keys.create(alice, { name: 'x', scopes: ['admin'] }))).toBe('insufficient_scope');
    expect(await codeOf(s.keys.create(alice, { name: 'x', type: 'web' }))).toBe('invalid_request');
    expect(await codeOf(s.keys.create(alice, { name: 'x', expiresAt: new Date(s.time.now() - 1).toISOString() }))).toBe('invalid_request');
    expect(await codeOf(s.keys.create(alice, { name: 'x', unknown: 1 }))).toBe('invalid_request');
    await s.keys.create(alice, { name: 'one' });
    await s.keys.create(alice, { name: 'two' });
    expect(await codeOf(s.keys.create(alice, { name: 'three' }))).toBe('conflict');
    expect(s.store.records.size).toBe(2);
  });

  it('manages keys only with an interactive credential, but lets a key revoke itself', async () => {
    const s = setup();
    const created = await s.keys.create(alice, { name: 'k' });
    const asKey: Identity = { ...alice, method: 'api_key', keyId: created.id, keyType: 'server' };
    expect(await codeOf(s.keys.create(asKey, { name: 'x' }))).toBe('interactive_credential_required');
    expect(await codeOf(s.keys.regenerate(asKey, created.id, {}))).toBe('interactive_credential_required');
    const other = await s.keys.create(alice, { name: 'other' });
    expect(await codeOf(s.keys.revoke(asKey, other.id))).toBe('interactive_credential_required');
    expect((await s.keys.revoke(asKey, created.id)).status).toBe('revoked');
  });

  it("answers 404 for another user's key or a malformed id; an admin may act on any key", async () => {
    const s = setup();
    const created = await s.keys.create(alice, { name: 'k' });
    for (const attempt of [s.keys.get(bob, created.id), s.keys.revoke(bob, created.id), s.keys.regenerate(bob, created.id, { junk: true }), s.keys.get(alice, "x';--")]) {
      expect(await codeOf(attempt)).toBe('not_found');
    }
    expect((await s.keys.get(admin, created.id)).id).toBe(created.id);
    expect(s.store.records.get(created.id)!.revokedAt).toBeNull();
  });

  it('revokes at once on this instance, and revoking again changes nothing', async () => {
    const s = setup();
    const created = await s.keys.create(alice, { name: 'k' });
    s.time.advance(5000);
    const revoked = await s.keys.revoke(alice, created.id);
    expect(revoked).toMatchObject({ status: 'revoked', revokedAt: new Date(s.time.now()).toISOString() });
    expect(s.cache.peek(created.id)?.revokedAt).toBe(s.time.now());
    s.time.advance(5000);
    expect((await s.keys.revoke(alice, created.id)).revokedAt).toBe(revoked.revokedAt);
    expect(s.audit.events.map((e) => e.event)).toEqual(['key.create', 'key.revoke']);
  });

  it('regenerates with a grace period for the previous secret, and never a revoked or expired key', async () => {
    const s = setup();
    const created = await s.keys.create(alice, { name: 'k' });
    const fresh = await s.keys.regenerate(alice, created.id, { gracePeriod: 60 });
    expect(fresh.key).not.toBe(created.key);
    const secrets = s.store.records.get(created.id)!.secrets;
    expect(secrets.map((x) => x.notAfter)).toEqual([null, s.time.now() + 60_000]);
    expect(fresh.previousSecretValidUntil).toBe(new Date(s.time.now() + 60_000).toISOString());
    expect(await codeOf(s.keys.regenerate(alice, created.id, { gracePeriod: 604_801 }))).toBe('invalid_request');
    await s.keys.revoke(alice, created.id);
    expect(await codeOf(s.keys.regenerate(alice, created.id, {}))).toBe('conflict');
  });

  it('changes nothing when the audit log cannot be written (503), except a revocation, which stands', async () => {
    const s = setup();
    const kept = await s.keys.create(alice, { name: 'kept' });
    s.audit.failing = true;
    expect(await codeOf(s.keys.create(alice, { name: 'lost' }))).toBe('unavailable');
    expect([...s.store.records.values()].map((r) => r.name)).toEqual(['kept']);
    const before = s.store.records.get(kept.id)!.secrets;
    expect(await codeOf(s.keys.regenerate(alice, kept.id, {}))).toBe('unavailable');
    expect(s.store.records.get(kept.id)!.secrets).toEqual(before);
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(await codeOf(s.keys.revoke(alice, kept.id))).toBe('ok'); // logged for operators instead
    errors.mockRestore();
    expect(s.store.records.get(kept.id)!.revokedAt).not.toBeNull();
  });
});
