// The owner's own limits (actions/owner-limits.ts) over in-memory twins: who may read and change
// them, validation within the project's ceiling, the audit (undone when it cannot be written), and
// the call limiter applying them to every key of the owner, the tighter limit winning.
import type { Identity } from '../../../functions/src/identity';
import { isKeywardError, unavailable, type KeywardError } from '../../../functions/src/errors';
import { ownerCeiling, ownerLimits, type OwnerLimitsDeps } from '../../../functions/src/actions/owner-limits';
import { callLimiter } from '../../../functions/src/limits/call-limiter';
import { leasedLimiter } from '../../../functions/src/limits/limiter';
import { creditsCounter } from '../../../functions/src/limits/plan';
import type { OwnerLimits, OwnerLimitsStore } from '../../../functions/src/store/owner-limits';
import { clock, info, memoryAuditSink, record, T0, users } from '../../harness/memory';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { HttpDeps } from '../../../functions/src/http/handler';
import { registerMe } from '../../../functions/src/http/routes/me';
import { registerOwnerLimits } from '../../../functions/src/http/routes/owner-limits';
import { parseTrustedProxies } from '../../../functions/src/lib/client-address';
import type { Services } from '../../../functions/src/services';
import { memoryCounters } from '../../harness/memory-stores';

const owner: Identity = { uid: 'owner-1', claims: {}, method: 'session' };
const viaKey: Identity = { uid: 'owner-1', claims: {}, method: 'api_key', keyId: 'Key0000000000001', keyType: 'server' };
const typeLimits = { server: { callsPerMinute: 100 }, web: { callsPerMinute: 10 }, mobile: { callsPerMinute: 50 } };

function memoryOwnerLimits(): OwnerLimitsStore & { docs: Map<string, OwnerLimits>; down: boolean } {
  const docs = new Map<string, OwnerLimits>();
  const store = {
    docs,
    down: false,
    async get(uid: string) {
      if (store.down) throw unavailable('down');
      return docs.get(uid) ?? null;
    },
    async set(uid: string, s: OwnerLimits) {
      if (store.down) throw unavailable('down');
      docs.set(uid, structuredClone(s));
    },
    async delete(uid: string) {
      docs.delete(uid);
    },
  };
  return store;
}

function setup(over: Partial<OwnerLimitsDeps> = {}) {
  const time = clock(T0);
  const store = memoryOwnerLimits();
  const audit = memoryAuditSink();
  const counters = memoryCounters();
  const cached = new Map<string, OwnerLimits | null>();
  const cache = {
    async get(uid: string) {
      if (!cached.has(uid)) cached.set(uid, await store.get(uid));
      return cached.get(uid)!;
    },
    set: (uid: string, v: OwnerLimits | null) => void cached.set(uid, v),
  };
  const service = ownerLimits({
    store,
    cache,
    audit,
    ceiling: ownerCeiling([100, 10, 50], 3),
    creditsSpent: (uid, credits) => counters.read(creditsCounter('owner-credits', uid, credits, time.now())),
    onOutage: 'closed',
    now: time.now,
    ...over,
  });
  return { time, store, audit, counters, cached, service };
}

async function refusal(p: Promise<unknown>): Promise<KeywardError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (!isKeywardError(err)) throw new Error(`expected a refusal, got ${String(err)}`);
  return err;
}

describe('owner limits', () => {
  it('starts with none, and shows what the owner sets in the shapes of a key', async () => {
    const { service, audit } = setup();
    expect(await service.get(owner)).toEqual({ limits: null, credits: null, updatedAt: null });
    const set = await service.update(owner, { limits: { requestsPerMinute: 30 }, credits: { remaining: 500, refill: { amount: 1000, interval: 'day' } } }, info());
    expect(set).toEqual({
      limits: { requestsPerMinute: 30 },
      credits: { remaining: 500, refill: { amount: 1000, interval: 'day' }, nextRefillAt: new Date(T0 - (T0 % 86_400_000) + 86_400_000).toISOString() },
      updatedAt: new Date(T0).toISOString(),
    });
    // A key of the owner reads them too (they count its requests).
    expect(await service.get(viaKey)).toEqual(set);
    expect(audit.events).toEqual([expect.objectContaining({ event: 'limits.update', outcome: 'success', target: { uid: 'owner-1' }, reason: 'changed limits, credits' })]);
  });

  it('changes only what the body names; null removes; removing both deletes the document', async () => {
    const { service, store } = setup();
    await service.update(owner, { limits: { requestsPerDay: 1000 }, credits: { remaining: 5 } });
    expect((await service.update(owner, { limits: { requestsPerMinute: 7 } })).credits).toMatchObject({ remaining: 5 });
    expect((await service.update(owner, { credits: null })).limits).toEqual({ requestsPerMinute: 7 });
    await service.update(owner, { limits: {} });
    expect(store.docs.has('owner-1')).toBe(false);
  });

  it('refuses bad input with invalid_request, above the ceiling included, and changes nothing', async () => {
    const { service, store, audit } = setup();
    await service.update(owner, { limits: { requestsPerMinute: 10 } });
    // Three keys at the highest type's 100 a minute: 300.
    expect((await service.update(owner, { limits: { requestsPerMinute: 300 } })).limits).toEqual({ requestsPerMinute: 300 });
    const before = structuredClone(store.docs.get('owner-1'));
    for (const body of [
      {},
      { limits: { requestsPerMinute: 301 } },
      { limits: { requestsPerDay: 300 * 1440 + 1 } },
      { limits: { requestsPerMinute: 0 } },
      { limits: { requestsPerMinute: 1.5 } },
      { limits: 'fast' },
      { credits: { remaining: -1 } },
      { credits: { remaining: 1, refill: { amount: 1, interval: 'week' } } },
      { limits: { requestsPerHour: 1 } },
      { ownerUid: 'someone-else', limits: null },
    ]) {
      const err = await refusal(service.update(owner, body));
      expect([JSON.stringify(body), err.code]).toEqual([JSON.stringify(body), 'invalid_request']);
    }
    expect(store.docs.get('owner-1')).toEqual(before);
    expect(audit.events.filter((e) => e.outcome === 'failure').map((e) => e.reason)).toEqual(Array(10).fill('invalid_request'));
  });

  it('is changed only with an interactive credential: a key cannot lift the cap that contains it', async () => {
    const { service, store } = setup();
    for (const identity of [viaKey, { ...viaKey, method: 'access_token' as const }, { ...viaKey, method: 'signature' as const }]) {
      expect((await refusal(service.update(identity, { limits: null }))).code).toBe('interactive_credential_required');
    }
    expect(store.docs.size).toBe(0);
  });

  it('undoes the change when the audit log cannot be written', async () => {
    const { service, store, audit } = setup();
    await service.update(owner, { limits: { requestsPerMinute: 10 } });
    audit.failing = true;
    expect((await refusal(service.update(owner, { limits: { requestsPerMinute: 99 } }))).code).toBe('unavailable');
    expect(store.docs.get('owner-1')!.limits).toEqual({ requestsPerMinute: 10 });
    expect((await service.get(owner)).limits).toEqual({ requestsPerMinute: 10 });
  });

  it('under the closed outage policy fails closed when the settings cannot be read; open counts the owner as unlimited', async () => {
    const closed = setup();
    closed.store.down = true;
    expect((await refusal(Promise.resolve(closed.service.of('owner-1')))).code).toBe('unavailable');
    const open = setup({ onOutage: 'open' });
    open.store.down = true;
    expect(await open.service.of('owner-1')).toBeUndefined();
  });

  it('is enforced on every key of the owner on top of each key’s own limits: the tighter wins', async () => {
    const { service, time, counters } = setup();
    await service.update(owner, { limits: { requestsPerMinute: 4 }, credits: { remaining: 100 } });
    const keys = { A: record({ keyId: 'A', ownerUid: 'owner-1' }), B: record({ keyId: 'B', ownerUid: 'owner-1', limits: { requestsPerMinute: 2 } }) };
    const calls = callLimiter({
      limiter: leasedLimiter(counters, { now: time.now }),
      counters,
      typeLimits,
      keyOf: async ({ keyId }) => keys[keyId as 'A' | 'B'],
      ownerOf: (uid) => service.of(uid),
      audit: memoryAuditSink(),
      now: time.now,
    });
    const admit = (keyId: 'A' | 'B') => calls.admit({ ...viaKey, keyId }, info());
    // B's own limit (2) is tighter than the owner's (4): its headers report it.
    expect((await admit('B'))!.rateLimit).toMatchObject({ limit: 2, remaining: 1 });
    expect((await admit('B'))!.rateLimit).toMatchObject({ limit: 2, remaining: 0 });
    const third = await refusal(admit('B'));
    expect([third.code, third.message]).toEqual(['rate_limited', 'Too many calls with this key; slow down.']);
    // A is far within its own limit, but shares the owner's 4 with B: two left.
    expect((await admit('A'))!.rateLimit).toMatchObject({ limit: 4, remaining: 1 });
    expect((await admit('A'))!.rateLimit).toMatchObject({ limit: 4, remaining: 0 });
    const shared = await refusal(admit('A'));
    expect([shared.code, shared.message, shared.details.rateLimit]).toEqual(['rate_limited', 'Too many calls with your keys together; slow down.', { limit: 4, remaining: 0, resetSeconds: 60 }]);
    // The owner's credits are shared too, and reported after each request.
    time.advance(60_000);
    expect((await admit('A'))!.credits).toEqual({ remaining: 95, nextRefillAt: null });
    // The view counts leased blocks as spent: never more than what is left.
    expect((await service.get(owner)).credits!.remaining).toBeLessThanOrEqual(95);
  });
});

describe('GET /v1/me and /v1/me/limits when the settings cannot be read', () => {
  it('/v1/me still says who you are, without limits; /v1/me/limits is a 503', async () => {
    const { service, store } = setup();
    await service.update(owner, { limits: { requestsPerMinute: 5 } });
    const router = express.Router();
    const http: HttpDeps = { authenticate: async () => owner, bodyLimitBytes: 1024, network: { trustedProxies: parseTrustedProxies(['loopback'])!, emulated: false } };
    // Only what the two routes use; the settings are read fresh each time (a cold cache).
    const services = { users: users([{ uid: 'owner-1', email: 'o@example.com', claims: {}, disabled: false, validSince: 0 }]), ownerLimits: ownerLimits({ ...depsOf(store), cache: { get: (uid) => store.get(uid), set: () => undefined } }) } as unknown as Services;
    registerMe({ router, http, services });
    registerOwnerLimits({ router, http, services });
    const server = createServer(express().use(router));
    const operatorLog = jest.spyOn(console, 'error').mockImplementation(() => undefined); // the 503's line for operators
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(((await (await fetch(`${base}/v1/me`)).json()) as { limits: unknown }).limits).toMatchObject({ limits: { requestsPerMinute: 5 } });
      store.down = true;
      const me = await fetch(`${base}/v1/me`);
      const body = (await me.json()) as Record<string, unknown>;
      expect([me.status, body.uid, 'limits' in body]).toEqual([200, 'owner-1', false]);
      const limits = await fetch(`${base}/v1/me/limits`);
      expect([limits.status, ((await limits.json()) as { error: { code: string } }).error.code, limits.headers.get('retry-after')]).toEqual([503, 'unavailable', expect.any(String)]);
    } finally {
      operatorLog.mockRestore();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

function depsOf(store: OwnerLimitsStore): Omit<OwnerLimitsDeps, 'cache'> {
  const counters = memoryCounters();
  return { store, audit: memoryAuditSink(), ceiling: ownerCeiling([100], 3), creditsSpent: (uid, credits) => counters.read(creditsCounter('owner-credits', uid, credits, T0)), onOutage: 'closed', now: () => T0 };
}
