import { generateKeyPairSync } from 'node:crypto';
import { importJWK, type JWK, type KeyLike } from 'jose';
import { canonicalJson } from '../../../functions/src/audit/canonical';
import { auditChain, entryHash } from '../../../functions/src/audit/chain';
import { signCheckpoint, type CheckpointClaims } from '../../../functions/src/audit/checkpoint';
import { checkpointer, type SignedCheckpoint } from '../../../functions/src/audit/checkpointer';
import { prepareEntry } from '../../../functions/src/audit/entry';
import { verifyTrail, type StoredCheckpoint, type TrailEntry } from '../../../functions/src/audit/verify';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const MINUTE = 60_000;

async function keypair(kid = 'v1') {
  const priv = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) as JWK;
  const key = await importJWK({ ...priv, alg: 'ES256' }, 'ES256');
  const { d: _d, ...pub } = priv;
  return { sign: (c: CheckpointClaims) => signCheckpoint(c, { kid, key: key as KeyLike }), jwk: { ...pub, kid, alg: 'ES256', use: 'sig' } as JWK };
}

/** A writer: `n` entries one second apart, a checkpoint after each `every`, a final one when `final`. */
async function trail(n: number, opts: { every?: number; final?: boolean; lagMs?: number; sign: (c: CheckpointClaims) => Promise<string> }) {
  const chain = auditChain();
  let now = T0;
  const written: SignedCheckpoint[] = [];
  const cps = checkpointer({ chain, sign: opts.sign, stores: { mem: async (b) => void written.push(...b) }, intervalMs: MINUTE, now: () => now, report: () => undefined });
  const entries: TrailEntry[] = [];
  for (let i = 1; i <= n; i++) {
    now += 1000;
    const p = prepareEntry({ event: 'auth.success', outcome: 'success', actor: { uid: `u${i}`, method: 'api_key' }, request: { ip: '203.0.113.7', userAgent: 'ua "quoted" ü', method: 'GET', path: '/v1/me', requestId: `r${i}` } }, now, `id-${i}`);
    const link = chain.link({ timestamp: p.timestamp.toISOString(), severity: p.severity, payload: p.payload as unknown as Record<string, unknown> });
    // What Logging gives back: a Struct, key order lost.
    const payload = JSON.parse(JSON.stringify({ chain: link, ...p.payload })) as Record<string, unknown>;
    entries.push({ timestamp: p.timestamp.toISOString(), severity: p.severity, insertId: p.insertId, payload });
    if (opts.every && i % opts.every === 0) {
      // A checkpoint `lagMs` after the entry it covers (the clock goes back for the next entry).
      now += opts.lagMs ?? 0;
      await cps.checkpoint();
      now -= opts.lagMs ?? 0;
    }
  }
  now += opts.lagMs ?? 0;
  if (opts.final) await cps.checkpoint(true);
  const checkpoints: StoredCheckpoint[] = written.flatMap((c) => [{ store: 'logging' as const, jws: c.jws }, { store: 'firestore' as const, jws: c.jws }]);
  return { chain, entries, checkpoints, end: now };
}

const verify = (entries: TrailEntry[], checkpoints: StoredCheckpoint[], jwk: JWK, now: number) =>
  verifyTrail({ entries, checkpoints, stores: ['logging', 'firestore'], jwks: [jwk], to: new Date(now + MINUTE).toISOString(), now: now + 10 * MINUTE, pendingMs: 2 * MINUTE });
const kinds = (r: { problems: Array<{ kind: string; seq?: number; toSeq?: number }> }) => r.problems.map((p) => [p.kind, p.seq, p.toSeq]);

describe('canonical JSON', () => {
  it('is JSON.stringify with keys sorted at every level, whatever order they came in', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: null, y: 'x' }], c: 'é"\n\ud83d\ude00' }, u: undefined })).toBe('{"a":{"c":"é\\"\\n😀","d":[3,{"y":"x","z":null}]},"b":1}');
    expect(canonicalJson('\ud800')).toBe(JSON.stringify('\ud800'));
  });
});

describe('the audit chain and its verifier', () => {
  let key: Awaited<ReturnType<typeof keypair>>;
  beforeAll(async () => {
    key = await keypair();
  });

  it('links each entry to the one before it, and a clean trail verifies', async () => {
    const { entries, checkpoints, end } = await trail(12, { every: 5, final: true, sign: key.sign });
    expect(entries.map((e) => (e.payload.chain as { seq: number }).seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect((entries[1]!.payload.chain as { prev: string }).prev).toBe((entries[0]!.payload.chain as { hash: string }).hash);
    expect(await verify(entries, checkpoints, key.jwk, end)).toEqual({ ok: true, entries: 12, chains: 1, checkpoints: 3, pending: 0, problems: [] });
  });

  it('reports a deleted entry, an altered one, a reordered pair and a forged one, each at its place', async () => {
    const { entries, checkpoints, end } = await trail(12, { every: 5, final: true, sign: key.sign });
    const tampered = entries.filter((_, i) => i !== 2); // seq 3 deleted
    (tampered[3]!.payload.request as Record<string, string>).userAgent = 'changed'; // seq 5
    const [a, b] = [tampered[5]!, tampered[6]!]; // seqs 7 and 8 swap places in time
    [a.timestamp, b.timestamp] = [b.timestamp, a.timestamp];
    const forged = JSON.parse(JSON.stringify(tampered[7]!)) as TrailEntry; // a second seq 9, with a hash that holds
    forged.payload.outcome = 'failure';
    const link = forged.payload.chain as { id: string; seq: number; prev: string; hash: string };
    const { chain: _c, ...content } = forged.payload;
    link.hash = entryHash(link, { timestamp: forged.timestamp, severity: forged.severity, payload: content });
    forged.insertId = 'forged';
    const report = await verify([...tampered, forged], checkpoints, key.jwk, end);
    expect(kinds(report).sort()).toEqual([
      ['altered', 5, undefined],
      ['inserted', 9, undefined],
      ['missing', 3, 3],
      ['reordered', 7, undefined],
      ['reordered', 8, undefined],
    ]);
    expect(report.problems.find((p) => p.kind === 'inserted')!.insertId).toBe('forged');
    expect(report.ok).toBe(false);
  });

  it('sees a tail cut off through the final checkpoint, even when one store lost its checkpoints', async () => {
    const { entries, checkpoints, end } = await trail(12, { every: 5, final: true, sign: key.sign });
    const fromFirestore = checkpoints.filter((c) => c.store === 'firestore');
    const report = await verify(entries.slice(0, 9), fromFirestore, key.jwk, end);
    expect(kinds(report)).toEqual([
      ['checkpoint_missing', 5, undefined],
      ['checkpoint_missing', 10, undefined],
      ['checkpoint_missing', 12, undefined],
      ['missing', 10, 12],
    ]);
  });

  it('reports a checkpoint whose signature fails, and one signed by a key not published', async () => {
    const { entries, checkpoints, end } = await trail(6, { every: 3, final: true, sign: key.sign });
    const other = await keypair('v1');
    const [h, p, s] = checkpoints[0]!.jws.split('.');
    const flipped = `${h}.${p}.${s!.slice(0, -2)}${s!.endsWith('AA') ? 'BA' : 'AA'}`;
    const forgedCp = (await trail(1, { final: true, sign: other.sign })).checkpoints[0]!;
    const report = await verify(entries, [{ store: 'logging', jws: flipped }, ...checkpoints.slice(1), forgedCp], key.jwk, end);
    expect(report.problems.filter((x) => x.kind === 'bad_signature').map((x) => [x.store, x.seq])).toEqual([
      ['logging', 3],
      ['logging', 1],
    ]);
  });

  it('with no entry of a chain in the range, expects only the places written after a checkpoint made within it', async () => {
    const { entries, checkpoints } = await trail(6, { every: 3, final: true, lagMs: 500, sign: key.sign });
    const at = (s: number) => new Date(T0 + s * 1000).toISOString();
    const inRange = (from: string, to: string) => entries.filter((e) => e.timestamp >= from && e.timestamp <= to);
    const check = (from: string, to: string, kept = inRange(from, to)) =>
      verifyTrail({ entries: kept, checkpoints, stores: ['logging', 'firestore'], jwks: [key.jwk], from, to, now: T0 + 10 * MINUTE, pendingMs: MINUTE });
    // 3.2 s to 3.8 s holds no entry, only the checkpoint of seq 3 (made at 3.5 s): seqs 1-3 are older, not missing.
    expect(inRange(at(3.2), at(3.8))).toEqual([]);
    expect(await check(at(3.2), at(3.8))).toMatchObject({ ok: true, chains: 1, problems: [] });
    // 3.2 s to 6.8 s with all its entries (4-6) deleted: they were written after the checkpoint at 3.5 s, so they are missing.
    expect(kinds(await check(at(3.2), at(6.8), []))).toEqual([['missing', 4, 6]]);
  });

  it('tells a chain that ended without a final checkpoint from tampering, and counts recent entries as pending', async () => {
    const { entries, checkpoints, end } = await trail(7, { every: 5, sign: key.sign });
    const report = await verify(entries, checkpoints, key.jwk, end);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'unfinished', seq: 6, toSeq: 7, message: expect.stringContaining('not in itself a sign of tampering') })]);
    // Reported, not counted as tampering: `ok` stays true; one tampering problem beside it makes it false.
    expect(report.ok).toBe(true);
    const cut = await verify(entries.filter((e) => (e.payload.chain as { seq: number }).seq !== 2), checkpoints, key.jwk, end);
    expect([cut.ok, cut.problems.map((x) => x.kind).sort()]).toEqual([false, ['missing', 'unfinished']]);
    const fresh = await verifyTrail({ entries, checkpoints, stores: ['logging', 'firestore'], jwks: [key.jwk], to: new Date(end).toISOString(), now: end + 1000, pendingMs: 2 * MINUTE });
    expect([fresh.ok, fresh.pending]).toEqual([true, 2]);
  });

  it('retries a checkpoint it could not sign, but not once the writer is stopping: no timer outlives it', async () => {
    jest.useFakeTimers();
    try {
      const chain = auditChain();
      const reports: string[] = [];
      let signs = 0;
      const cps = checkpointer({ chain, sign: async () => (signs++, Promise.reject(new Error('down'))), stores: {}, intervalMs: MINUTE, now: () => T0, report: (l) => void reports.push(String(l.message)) });
      chain.link({ timestamp: new Date(T0).toISOString(), severity: 'INFO', payload: {} });
      await cps.checkpoint();
      expect([signs, jest.getTimerCount()]).toEqual([1, 1]); // a retry is scheduled
      await cps.checkpoint(true);
      expect([signs, jest.getTimerCount()]).toEqual([2, 0]); // stopping: none left behind
      expect(reports[1]).toMatch(/stopping/);
    } finally {
      jest.useRealTimers();
    }
  });

  it('does not count as missing a place whose write failed and was declared void', async () => {
    const chain = auditChain();
    const written: SignedCheckpoint[] = [];
    const cps = checkpointer({ chain, sign: key.sign, stores: { logging: async (b) => void written.push(...b) }, intervalMs: MINUTE, now: () => T0, report: () => undefined });
    const entries: TrailEntry[] = [];
    for (let i = 1; i <= 3; i++) {
      const p = prepareEntry({ event: 'key.create', outcome: 'success', actor: { uid: 'u' } }, T0 + i, `i${i}`);
      const link = chain.link({ timestamp: p.timestamp.toISOString(), severity: p.severity, payload: p.payload as unknown as Record<string, unknown> });
      if (i === 2) cps.voided(2);
      else entries.push({ timestamp: p.timestamp.toISOString(), severity: p.severity, payload: JSON.parse(JSON.stringify({ ...p.payload, chain: link })) });
    }
    await cps.checkpoint(true);
    const report = await verifyTrail({ entries, checkpoints: written.map((c) => ({ store: 'logging', jws: c.jws })), stores: ['logging'], jwks: [key.jwk], to: new Date(T0 + MINUTE).toISOString(), now: T0 + MINUTE, pendingMs: MINUTE });
    expect(report).toMatchObject({ ok: true, problems: [] });
  });
});
