// Rules of key management (functions/src/actions/keys.ts) on in-memory twins of its ports: who may
// list, read, revoke and regenerate, the exact active-key cap under concurrent creates, and a
// revocation that stands when the audit log is down.
import type { AuditEvent } from '../../../functions/src/audit/events';
import { loadConfig } from '../../../functions/src/config';
import type { Identity } from '../../../functions/src/identity';
import { keyService, rotatedSecrets } from '../../../functions/src/actions/keys';
import type { KeyRecord, KeyStore } from '../../../functions/src/keys/record';
import { clock, hmacMaterial, info, keyCache, memorySecret, noUseRecorder, users, memoryAuditSink } from '../../harness/memory';
import { codeOf } from '../../harness/outcomes';
import { memoryKeySlots } from '../../harness/memory-stores';

function memoryKeyStore(): KeyStore & { records: Map<string, KeyRecord> } {
  const records = new Map<string, KeyRecord>();
  const stats = { reads: 0, writes: 0 };
  return {
    records,
    stats,
    async create(r) {
      if (records.has(r.keyId)) return false;
      records.set(r.keyId, structuredClone(r));
      return true;
    },
    async get(id) {
      const r = records.get(id);
      return r && structuredClone(r);
    },
    async listByOwner(uid, limit) {
      return [...records.values()].filter((r) => r.ownerUid === uid).sort((a, b) => b.createdAt - a.createdAt).slice(0, limit);
    },
    async change(id, revision, patch) {
      const r = records.get(id);
      if (!r) throw new Error('missing');
      if ((r.revision ?? 0) !== revision) return false;
      records.set(id, { ...r, ...patch, revision: revision + 1 });
      return true;
    },
    async delete(id) {
      records.delete(id);
    },
    async recordUse() {},
  };
}

function setup(opts: { cap?: number; audit?: { record(e: AuditEvent): Promise<void> } } = {}) {
  const time = clock();
  const store = memoryKeyStore();
  const slots = memoryKeySlots();
  const audit = memoryAuditSink();
  if (opts.audit) audit.record = opts.audit.record;
  const config = loadConfig({ GOOGLE_CLOUD_PROJECT: 'demo-test', KEYWARD_KEYS_PER_USER: String(opts.cap ?? 100) });
  const keys = keyService({
    config,
    store,
    slots,
    cache: keyCache(store.records, time.now),
    hmacSecret: memorySecret([{ version: '1', material: hmacMaterial() }]),
    users: users([]),
    audit,
    useRecorder: noUseRecorder,
    now: time.now,
  });
  return { time, store, slots, audit, keys };
}

const session = (uid: string, claims: Identity['claims'] = {}): Identity => ({ uid, claims, method: 'session' });
const asKey = (uid: string, keyId: string, method: Identity['method'] = 'api_key'): Identity => ({ uid, claims: {}, method, keyId, keyType: 'server' });

describe('key management rules', () => {
  it('lists and reads keys only with an interactive credential; a key may read and revoke itself', async () => {
    const s = setup();
    const mine = await s.keys.create(session('u1'), { name: 'a' }, info());
    const other = await s.keys.create(session('u1'), { name: 'b' }, info());
    for (const method of ['api_key', 'access_token', 'signature'] as const) {
      expect(await codeOf(s.keys.list(asKey('u1', mine.id, method)))).toBe('interactive_credential_required');
      expect(await codeOf(s.keys.get(asKey('u1', mine.id, method), other.id))).toBe('interactive_credential_required');
      expect(await codeOf(s.keys.get(asKey('u1', mine.id, method), mine.id))).toBe('ok');
    }
    // Acting for someone else (On-Behalf-Of) does not hide the key from itself.
    expect(await codeOf(s.keys.get({ ...asKey('u2', mine.id), actor: 'u1' }, mine.id))).toBe('ok');
    expect(await codeOf(s.keys.revoke(asKey('u1', mine.id), other.id, info()))).toBe('interactive_credential_required');
    expect((await s.keys.revoke(asKey('u1', mine.id), mine.id, info())).status).toBe('revoked');
    expect((await s.keys.list(session('u1'))).map((k) => k.id).sort()).toEqual([mine.id, other.id].sort());
  });

  it('keeps a revocation when the audit log cannot be written, and says so in the operators log', async () => {
    const s = setup({
      audit: {
        record: async (e) => {
          if (e.event === 'key.revoke') throw new Error('Cloud Logging is down');
        },
      },
    });
    const key = await s.keys.create(session('u1'), { name: 'leaked' }, info());
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const revoked = await s.keys.revoke(session('u1'), key.id, info({ requestId: 'req-7' }));
      expect(revoked.status).toBe('revoked');
      expect(s.store.records.get(key.id)!.revokedAt).not.toBeNull();
      const logged = errors.mock.calls.map((c) => JSON.parse(String(c[0])));
      expect(logged).toContainEqual(expect.objectContaining({ severity: 'ERROR', event: 'key.revoke', keyId: key.id, requestId: 'req-7' }));
    } finally {
      errors.mockRestore();
    }
  });

  it('does not hand an admin the new secret of another user’s key it regenerates', async () => {
    const s = setup();
    const key = await s.keys.create(session('owner'), { name: 'k' }, info());
    const byAdmin = await s.keys.regenerate(session('admin', { admin: true }), key.id, {}, info());
    expect(byAdmin.key).toBeUndefined();
    expect(byAdmin.signingSecret).toBeUndefined();
    expect(JSON.stringify(byAdmin)).not.toContain('kws_');
    const byOwner = await s.keys.regenerate(session('owner'), key.id, {}, info());
    expect(byOwner).toHaveProperty('key');
    expect(byOwner).toHaveProperty('signingSecret');
  });

  it('counts active keys exactly: revoked keys free their place, expired ones too', async () => {
    const s = setup({ cap: 3 });
    const a = await s.keys.create(session('u1'), { name: 'a' }, info());
    await s.keys.create(session('u1'), { name: 'b' }, info());
    await s.keys.create(session('u1'), { name: 'c', expiresAt: new Date(s.time.now() + 86_400_000).toISOString() }, info());
    expect(await codeOf(s.keys.create(session('u1'), { name: 'd' }, info()))).toBe('conflict');
    await s.keys.revoke(session('u1'), a.id, info());
    await s.keys.create(session('u1'), { name: 'd' }, info());
    expect(await codeOf(s.keys.create(session('u1'), { name: 'e' }, info()))).toBe('conflict');
    s.time.advance(2 * 86_400_000); // c expired
    await s.keys.create(session('u1'), { name: 'e' }, info());
    expect(await codeOf(s.keys.create(session('u1'), { name: 'f' }, info()))).toBe('conflict');
    // Many revoked keys never hide active ones (the old count read only the newest records).
    const active = [...s.store.records.values()].filter((r) => r.revokedAt === null && r.expiresAt > s.time.now());
    expect(active).toHaveLength(3);
  });

  it('lets exactly one of 20 concurrent creates take the last place under the cap', async () => {
    const s = setup({ cap: 5 });
    for (let i = 0; i < 4; i++) await s.keys.create(session('u1'), { name: `k${i}` }, info());
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => codeOf(s.keys.create(session('u1'), { name: `race${i}` }, info()))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r === 'conflict')).toHaveLength(19);
    expect([...s.store.records.values()].filter((r) => r.revokedAt === null)).toHaveLength(5);
  });

  it('refuses dates that do not exist and names with a lone surrogate (400, nothing written)', async () => {
    const s = setup();
    for (const expiresAt of ['2027-02-30', '2027-02-29', '2027-13-01', '2027-04-31T00:00:00Z', '2027-01-01T24:00:00Z', '2027-1-1', '2027-01-01 junk']) {
      expect(await codeOf(s.keys.create(session('u1'), { name: 'x', expiresAt }, info()))).toBe('invalid_request');
    }
    expect(await codeOf(s.keys.create(session('u1'), { name: 'bad \ud800 name' }, info()))).toBe('invalid_request');
    expect(s.store.records.size).toBe(0);
    const ok = await s.keys.create(session('u1'), { name: 'x', expiresAt: '2026-02-28' }, info());
    expect(ok.expiresAt).toBe('2026-02-28T00:00:00.000Z');
  });

  it('gives the cap slot back when a create fails, when a leak revokes a key, and sooner when PATCH shortens a key', async () => {
    const s = setup({ cap: 1 });
    const create = s.store.create.bind(s.store);
    s.store.create = async () => {
      throw Object.assign(new Error('Firestore refused the document'), { code: 3 });
    };
    await expect(s.keys.create(session('u1'), { name: 'never made' }, info())).rejects.toThrow('Firestore refused the document');
    s.store.create = create;
    const leaked = await s.keys.create(session('u1'), { name: 'a' }, info());
    expect(await codeOf(s.keys.create(session('u1'), { name: 'b' }, info()))).toBe('conflict');
    const record = s.store.records.get(leaked.id)!;
    expect(await s.keys.revokeLeaked(record, record.secrets[0]!, { credential: 'api_key', scanner: 'github' })).toEqual({ revoked: true });
    const short = await s.keys.create(session('u1'), { name: 'c' }, info());
    await s.keys.update(session('u1'), short.id, { expiresAt: new Date(s.time.now() + 86_400_000).toISOString() }, info());
    expect(await codeOf(s.keys.create(session('u1'), { name: 'd' }, info()))).toBe('conflict');
    s.time.advance(86_400_001);
    expect(await codeOf(s.keys.create(session('u1'), { name: 'd' }, info()))).toBe('ok');
  });

  it('lets one of 10 racing regenerations win; the others change nothing, get 409 and no secret', async () => {
    const s = setup();
    const key = await s.keys.create(session('u1'), { name: 'k' }, info());
    const before = structuredClone(s.store.records.get(key.id)!);
    const answers = await Promise.all(Array.from({ length: 10 }, () => s.keys.regenerate(session('u1'), key.id, { gracePeriod: 300 }, info()).then((r) => r.key, (e: { code: string }) => e.code)));
    const won = answers.filter((a) => a !== 'conflict');
    expect([won.length, answers.filter((a) => a === 'conflict').length]).toEqual([1, 9]);
    const after = s.store.records.get(key.id)!;
    expect([after.revision, after.secrets.length, after.secrets[1]!.salt]).toEqual([1, 2, before.secrets[0]!.salt]);
  });
});

describe('rotatedSecrets: what a regeneration keeps beside the new secret', () => {
  const secret = (salt: string, notAfter: number | null) => ({ digest: 'd', version: '1', salt, notAfter });
  const t = 1_000_000;
  it('ends the current secret with the grace period and keeps every earlier end', () => {
    expect(rotatedSecrets([secret('a', null), secret('b', t + 50)], 60, t)).toEqual([secret('a', t + 60_000), secret('b', t + 50)]);
  });
  it('without a grace period ends every earlier secret at once, kept so they are refused as replaced', () => {
    expect(rotatedSecrets([secret('a', null), secret('b', t + 50)], 0, t)).toEqual([secret('a', t), secret('b', t)]);
  });
  it('drops the oldest ended secrets first, and refuses a fifth working one (409) rather than cut a grace period', () => {
    const ended = [secret('e1', t - 3), secret('e2', t - 1), secret('e3', t - 2), secret('e4', t - 4)];
    expect(rotatedSecrets([secret('a', null), ...ended], 60, t).map((x) => x.salt)).toEqual(['a', 'e2', 'e3', 'e1']);
    const working = [secret('a', null), secret('b', t + 1), secret('c', t + 2), secret('d', t + 3)];
    expect(rotatedSecrets(working, 60, t)).toHaveLength(4);
    expect(() => rotatedSecrets([...working, secret('e', t + 4)], 60, t)).toThrow(expect.objectContaining({ code: 'conflict' }));
  });
});
