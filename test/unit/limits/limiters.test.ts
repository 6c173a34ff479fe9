// The one limiter (limits/limiter.ts) over in-memory counters, and the limits built on it.
import { auditRequest, type AuditEvent, type AuditSink } from '../../../functions/src/audit/events';
import type { Identity } from '../../../functions/src/identity';
import { KeywardError, unavailable } from '../../../functions/src/errors';
import { errorHeaders } from '../../../functions/src/http/errors';
import { callLimiter } from '../../../functions/src/limits/call-limiter';
import { type CounterStore } from '../../../functions/src/limits/counters';
import { failureLimiter } from '../../../functions/src/limits/failure-limiter';
import { issueLimiter } from '../../../functions/src/limits/issue-limiter';
import { leasedLimiter, type Allowance, type Limiter } from '../../../functions/src/limits/limiter';
import type { RequestContext } from '../../../functions/src/request';
import type { KeyRecord } from '../../../functions/src/keys/record';
import { memoryCounters } from '../../harness/memory-stores';

const T = Date.UTC(2026, 0, 1, 12, 0, 0);
const minute = (id: string, limit: number, now = T): Allowance => ({ id, limit, resetAt: now - (now % 60_000) + 60_000 });

async function takeMany(limiter: Limiter, a: Allowance, n: number, cost = 1): Promise<number> {
  const decisions = await Promise.all(Array.from({ length: n }, () => limiter.take(a, cost)));
  return decisions.filter((d) => d.allowed).length;
}

/** Counters whose read-back also includes additions made after ours: the upper bound Firestore gives. */
function racyCounters(): CounterStore {
  const inner = memoryCounters();
  return {
    ...inner,
    async add(id, n, expireAt) {
      await inner.add(id, n, expireAt);
      await new Promise((r) => setImmediate(r)); // other instances add meanwhile
      return inner.read(id);
    },
  };
}

describe('leased limiter', () => {
  it('serves exactly the limit one by one, then refuses until the window ends', async () => {
    let now = T + 15_000;
    const limiter = leasedLimiter(memoryCounters(), { now: () => now });
    const a = minute(`calls:K:${T}`, 5, now);
    const remaining: number[] = [];
    for (let i = 0; i < 5; i++) {
      const d = await limiter.take(a);
      expect(d.allowed).toBe(true);
      remaining.push(d.remaining);
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0]);
    expect(await limiter.take(a)).toEqual({ allowed: false, limit: 5, remaining: 0, resetSeconds: 45 });
    now = T + 60_000;
    // The next window is another counter (limits/rules.ts names them by their start).
    expect((await limiter.take(minute(`calls:K:${T + 60_000}`, 5, now))).allowed).toBe(true);
  });

  it('admits exactly the limit of concurrent requests on one instance, one lease at a time', async () => {
    const counters = memoryCounters();
    const limiter = leasedLimiter(counters, { now: () => T });
    expect(await takeMany(limiter, minute('c', 10), 20)).toBe(10);
    expect(counters.values.get('c')).toBe(10);
  });

  it('leases blocks, so a large limit costs far fewer writes than requests', async () => {
    const counters = memoryCounters();
    const limiter = leasedLimiter(counters, { now: () => T });
    const a = minute('big', 10_000);
    let admitted = 0;
    for (let i = 0; i < 10_500; i++) if ((await limiter.take(a)).allowed) admitted++;
    expect(admitted).toBe(10_000);
    expect(counters.stats.writes).toBeLessThan(300); // about 32·ln(L/32) blocks, then single units
  });

  it('stays within 0.95–1× of the limit across three instances, even when read-backs include later additions', async () => {
    const counters = racyCounters();
    const instances = [0, 1, 2].map(() => leasedLimiter(counters, { now: () => T }));
    const a = minute('shared', 1000);
    let admitted = 0;
    // Rounds of concurrent requests spread over the instances, three times the limit in all.
    for (let round = 0; round < 100; round++) {
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => instances[(i + round) % 3]!.take(a)));
      admitted += results.filter((d) => d.allowed).length;
    }
    expect(admitted).toBeLessThanOrEqual(1000);
    expect(admitted).toBeGreaterThanOrEqual(950);
    expect(counters.stats.writes).toBeLessThan(400);
  });

  it('serves the slack with no counter call, then counts it with the first lease: exact on one instance', async () => {
    const counters = memoryCounters();
    const limiter = leasedLimiter(counters, { now: () => T });
    const a = { ...minute('slack', 1000), slack: 10 };
    for (let i = 0; i < 10; i++) expect(limiter.takeNow(a)).toMatchObject({ allowed: true, remaining: 999 - i });
    expect(counters.stats).toEqual({ reads: 0, writes: 0 });
    // Past the slack: undefined (a lease is needed, and started once however often it is asked).
    expect(limiter.takeNow(a)).toBeUndefined();
    expect(limiter.takeNow(a)).toBeUndefined();
    expect((await limiter.take(a)).remaining).toBe(989);
    expect(counters.stats.writes).toBe(1);
    expect(counters.values.get('slack')).toBe(10 + Math.floor(990 / 32));
    let admitted = 11;
    for (let i = 0; i < 1100; i++) if ((await limiter.take(a)).allowed) admitted++;
    expect(admitted).toBe(1000);
    expect(counters.values.get('slack')).toBe(1000);
  });

  it('with slack, instances together pass the limit by at most instances × slack', async () => {
    const counters = racyCounters();
    const instances = [0, 1, 2].map(() => leasedLimiter(counters, { now: () => T }));
    const a = { ...minute('shared-slack', 300), slack: 20 };
    let admitted = 0;
    for (let round = 0; round < 30; round++) {
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => instances[(i + round) % 3]!.take(a)));
      admitted += results.filter((d) => d.allowed).length;
    }
    expect(admitted).toBeGreaterThanOrEqual(0.95 * 300);
    expect(admitted).toBeLessThanOrEqual(300 + 3 * 20);
  });

  it('charges a cost in units, refusing a request that costs more than remains', async () => {
    const limiter = leasedLimiter(memoryCounters(), { now: () => T });
    const a = minute('cost', 10);
    expect((await limiter.take(a, 4)).remaining).toBe(6);
    expect((await limiter.take(a, 4)).remaining).toBe(2);
    expect((await limiter.take(a, 4)).allowed).toBe(false);
    expect((await limiter.take(a, 2)).allowed).toBe(true);
    expect((await limiter.take(a, 11)).allowed).toBe(false);
  });

  it('fails closed (503) when the counters are down and no block is left, or admits when set open', async () => {
    let down = false;
    const inner = memoryCounters();
    const flaky: CounterStore = { ...inner, add: (id, n, e) => (down ? Promise.reject(unavailable('The datastore is unavailable.')) : inner.add(id, n, e)) };
    const closed = leasedLimiter(flaky, { now: () => T });
    const open = leasedLimiter(flaky, { now: () => T, onOutage: 'open' });
    const a = minute('outage', 320); // blocks of 10 at first
    expect((await closed.take(a)).allowed).toBe(true);
    down = true;
    // The rest of the leased block is still served without the datastore.
    for (let i = 0; i < 9; i++) expect((await closed.take(a)).allowed).toBe(true);
    await expect(closed.take(a)).rejects.toMatchObject({ code: 'unavailable' });
    expect((await open.take(a)).allowed).toBe(true);
    // Faults that are not an outage are never swallowed.
    const broken: CounterStore = { ...inner, add: () => Promise.reject(new Error('bug')) };
    await expect(leasedLimiter(broken, { onOutage: 'open' }).take(minute('x', 5))).rejects.toThrow('bug');
  });
});

const info = { requestId: 'r', method: 'GET', path: '/v1/me', rawQuery: '', ip: '192.0.2.1', userAgent: 'test', origin: undefined, headers: {}, rawHeaders: [], rawBody: Buffer.alloc(0), body: {} } as RequestContext;

function record(overrides: Partial<KeyRecord> = {}): KeyRecord {
  return {
    keyId: 'K1',
    ownerUid: 'owner',
    name: 'k',
    type: 'server',
    scopes: null,
    allowedOrigins: [],
    allowedIps: [],
    createdAt: T,
    expiresAt: T + 86_400_000 * 30,
    revokedAt: null,
    regeneratedAt: null,
    lastUsedAt: null,
    secrets: [],
    ...overrides,
  };
}

function auditTrail(): AuditSink & { events: AuditEvent[] } {
  const events: AuditEvent[] = [];
  return { events, record: async (e) => void events.push(e), access: (e) => void events.push(e), flush: async () => undefined };
}

describe('call limiter', () => {
  const identity: Identity = { uid: 'owner', claims: {}, method: 'api_key', keyId: 'K1', keyType: 'server' };
  const typeLimits = { server: { callsPerMinute: 100 }, web: { callsPerMinute: 100 }, mobile: { callsPerMinute: 100 } };
  const setup = (rec: KeyRecord, now = () => T, counters = memoryCounters(), audit = auditTrail()) => ({
    audit,
    counters,
    calls: callLimiter({ limiter: leasedLimiter(counters, { now }), counters, typeLimits, keyOf: async () => rec, audit, now }),
  });

  async function refusal(p: Promise<unknown>): Promise<KeywardError> {
    try {
      await p;
    } catch (err) {
      return err as KeywardError;
    }
    throw new Error('not refused');
  }

  it('spends credits by cost and answers quota_exceeded past them, with the headers', async () => {
    const { calls } = setup(record({ credits: { remaining: 5, setAt: T } }));
    expect((await calls.admit(identity, info, 3))!.credits).toEqual({ remaining: 2, nextRefillAt: null });
    expect((await calls.admit(identity, info))!.credits!.remaining).toBe(1);
    await calls.admit(identity, info);
    const err = await refusal(calls.admit(identity, info));
    expect(err.code).toBe('quota_exceeded');
    expect(errorHeaders(err)).toMatchObject({ 'RateLimit-Limit': '5', 'RateLimit-Remaining': '0', 'Retry-After': '86400' });
  });

  it('refills credits to the refill amount in the next period, never above it', async () => {
    let now = T;
    const { calls } = setup(record({ credits: { remaining: 2, refill: { amount: 3, interval: 'day' }, setAt: T } }), () => now);
    await calls.admit(identity, info);
    await calls.admit(identity, info);
    expect((await refusal(calls.admit(identity, info))).details.retryAfterSeconds).toBe(12 * 3600);
    now = T + 12 * 3600_000; // the next UTC day
    expect((await calls.admit(identity, info))!.credits).toEqual({ remaining: 2, nextRefillAt: new Date(T + 36 * 3600_000).toISOString() });
  });

  it("limits by the key's requestsPerMinute below its type's, and a rate-limited request spends no credit", async () => {
    const { calls } = setup(record({ limits: { requestsPerMinute: 2 }, credits: { remaining: 10, setAt: T } }));
    expect((await calls.admit(identity, info))!.rateLimit).toEqual({ limit: 2, remaining: 1, resetSeconds: 60 });
    await calls.admit(identity, info);
    const err = await refusal(calls.admit(identity, info));
    expect(err.code).toBe('rate_limited');
    expect(errorHeaders(err)).toMatchObject({ 'Retry-After': '60', 'RateLimit-Limit': '2', 'RateLimit-Remaining': '0', 'RateLimit-Reset': '60' });
    expect((await refusal(calls.admit(identity, info))).code).toBe('rate_limited');
    // Two credits spent, not four.
    const later = setup(record({ credits: { remaining: 10, setAt: T } }), () => T, undefined);
    expect((await later.calls.admit(identity, info))!.credits!.remaining).toBe(9);
  });

  it('applies the owner limits shared by all their keys', async () => {
    const counters = memoryCounters();
    const limiter = leasedLimiter(counters, { now: () => T });
    const keys: Record<string, KeyRecord> = { A: record({ keyId: 'A' }), B: record({ keyId: 'B' }) };
    const calls = callLimiter({ limiter, counters, typeLimits, keyOf: async ({ keyId }) => keys[keyId]!, ownerOf: async () => ({ limits: { requestsPerMinute: 3 } }), audit: auditTrail(), now: () => T });
    await calls.admit({ ...identity, keyId: 'A' }, info);
    await calls.admit({ ...identity, keyId: 'B' }, info);
    await calls.admit({ ...identity, keyId: 'A' }, info);
    expect((await refusal(calls.admit({ ...identity, keyId: 'B' }, info))).code).toBe('rate_limited');
  });

  it('audits key.limit once per window across instances, not per refused request', async () => {
    const counters = memoryCounters();
    const audit = auditTrail();
    const rec = record({ limits: { requestsPerMinute: 1 } });
    const a = setup(rec, () => T, counters, audit).calls;
    const b = setup(rec, () => T, counters, audit).calls;
    await a.admit(identity, info);
    for (let i = 0; i < 3; i++) {
      await refusal(a.admit(identity, info));
      await refusal(b.admit(identity, info));
    }
    await new Promise((r) => setImmediate(r));
    expect(audit.events).toEqual([
      expect.objectContaining({ event: 'key.limit', outcome: 'failure', target: { uid: 'owner', keyId: 'K1' }, request: auditRequest(info) }),
    ]);
  });

  it("counts a key far below its type's ceiling without counter calls, but a limit set on the key exactly", async () => {
    const counters = memoryCounters();
    const ceiling = { server: { callsPerMinute: 32_000 }, web: { callsPerMinute: 600 }, mobile: { callsPerMinute: 6000 } };
    const calls = (rec: KeyRecord) => callLimiter({ limiter: leasedLimiter(counters, { now: () => T }), counters, typeLimits: ceiling, keyOf: () => rec, audit: auditTrail(), now: () => T });
    const free = calls(record());
    for (let i = 0; i < 100; i++) expect((await free.admit(identity, info))!.rateLimit).toMatchObject({ limit: 32_000, remaining: 31_999 - i });
    expect(counters.stats.writes).toBe(0); // 32,000 / 320 = 100 uncounted on this instance
    await free.admit(identity, info);
    expect(counters.stats.writes).toBe(1);
    expect(counters.values.get(`calls:K1:${T}`)).toBeGreaterThan(100); // the slack was counted with the lease
    const own = calls(record({ keyId: 'K2', limits: { requestsPerMinute: 20_000 } }));
    await own.admit({ ...identity, keyId: 'K2' }, info);
    expect(counters.stats.writes).toBe(2);
  });

  it('leaves interactive credentials alone', async () => {
    const { calls } = setup(record({ limits: { requestsPerMinute: 1 } }));
    for (let i = 0; i < 3; i++) expect(await calls.admit({ uid: 'owner', claims: {}, method: 'session' }, info)).toBeUndefined();
  });
});

describe('failure limiter (shared)', () => {
  it('limits per address a minute and per key id an hour; unknown key ids count against the address only', async () => {
    let now = T;
    const counters = memoryCounters();
    const failures = failureLimiter(leasedLimiter(counters, { now: () => now }), { perAddress: { limit: 3, period: 'minute' }, perKey: { limit: 4, period: 'hour' } });
    for (let i = 0; i < 3; i++) expect(await failures.fail({ ip: 'a' }, now)).toBeUndefined();
    expect(await failures.fail({ ip: 'a' }, now)).toBe(60);
    expect([...counters.values.keys()].every((id) => id.startsWith('fail-ip:'))).toBe(true);
    // One key id from many addresses: 4 an hour.
    for (let i = 0; i < 4; i++) expect(await failures.fail({ ip: `b${i}`, keyId: 'K' }, now)).toBeUndefined();
    expect(await failures.fail({ ip: 'b9', keyId: 'K' }, now)).toBe(3600);
    now = T + 60_000;
    expect(await failures.fail({ ip: 'a' }, now)).toBeUndefined();
    expect(await failures.fail({ ip: 'c', keyId: 'K' }, now)).toBe(3540);
  });
});

describe('issue limiter', () => {
  it('counts issuances per key and minute by key type', async () => {
    const now = T + 10_000;
    const counters = memoryCounters();
    const limiter = issueLimiter(leasedLimiter(counters, { now: () => now }), { server: { issuePerMinute: 2 }, web: { issuePerMinute: 1 }, mobile: { issuePerMinute: 5 } }, () => now);
    expect((await limiter.take('K', 'server')).allowed).toBe(true);
    expect(await limiter.take('K', 'server')).toMatchObject({ allowed: true, remaining: 0, resetSeconds: 50 });
    expect(await limiter.take('K', 'server')).toMatchObject({ allowed: false, remaining: 0 });
    expect([...counters.values.keys()]).toEqual([`issue:K:${T}`]);
    expect((await limiter.take('M', 'mobile')).remaining).toBe(4);
  });
});
