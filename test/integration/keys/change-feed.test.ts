// Revocation by the change feed (docs/cache.md): three instances built in this process share the
// test stack's Firestore. The cache bound here is the production one (10 s), so a refusal within
// 2 s elsewhere is the feed's doing, not expiry. And when an instance's feed stalls, the bound
// still holds: it reads the record fresh once its view is older than the bound.
import { bearer } from '../../harness/keys';
import { createUser } from '../../harness/auth';
import { eventually } from '../../harness/eventually';
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import type { ChangeSource } from '../../../functions/src/lib/change-feed';
import { createKeyAt, fetchJson, meAt } from './support';

/** The goal for the feed: a change honoured everywhere within 2 s (1 s between feed reads, plus the read). */
const FEED_GOAL_MS = 2000;

/** Polls (every 25 ms) until the key is refused; ms from `since` to the first refusal, and that refusal. */
async function refusedAfter(url: string, key: string, since: number, timeoutMs: number) {
  const res = await eventually(() => meAt(url, { 'x-api-key': key }), (r) => r.status !== 200, { timeoutMs, everyMs: 25 });
  return { ms: res.status !== 200 ? Date.now() - since : Infinity, status: res.status, code: res.json?.error?.code };
}

async function revoke(app: InProcessApp, user: { idToken: string }, keyId: string): Promise<number> {
  const res = await fetchJson(`${app.url}/v1/keys/${keyId}`, { method: 'DELETE', headers: bearer(user.idToken) });
  expect([res.status, res.json.status]).toEqual([200, 'revoked']);
  return Date.now();
}

const closeAll = async (apps: InProcessApp[]) => {
  for (const app of apps) await app?.close();
};

describe('change feed: revocation reaches every instance in about a second', () => {
  let apps: InProcessApp[] = [];
  beforeAll(async () => {
    apps = await Promise.all([0, 1, 2].map(() => startInProcessApp({ KEYWARD_CACHE_TTL_MS: '10000' })));
  });
  afterAll(() => closeAll(apps));

  it('refuses a key revoked on one instance on the other two within 2 s, with a 10 s cache bound', async () => {
    const [a, b, c] = apps as [InProcessApp, InProcessApp, InProcessApp];
    const user = await createUser();
    const key = await createKeyAt(a.url, user);
    for (const app of apps) expect((await meAt(app.url, { 'x-api-key': key.key })).status).toBe(200);
    const revokedAt = await revoke(a, user, key.id);
    const [atB, atC] = await Promise.all([refusedAfter(b.url, key.key, revokedAt, 8000), refusedAfter(c.url, key.key, revokedAt, 8000)]);
    expect(atB).toEqual({ ms: expect.any(Number), status: 401, code: 'revoked_credential' });
    expect(atC).toEqual({ ms: expect.any(Number), status: 401, code: 'revoked_credential' });
    expect(Math.max(atB.ms, atC.ms)).toBeLessThanOrEqual(FEED_GOAL_MS);
  });

  it('keeps a record cached far beyond the bound while the feed is current: steady traffic reads no record', async () => {
    const app = await startInProcessApp(); // the test stack's bound: 1 s
    try {
      const user = await createUser();
      const key = await createKeyAt(apps[0]!.url, user);
      const steady = async (ms: number) => {
        const until = Date.now() + ms;
        let served = 0;
        for (; Date.now() < until; served++) expect((await meAt(app.url, { 'x-api-key': key.key })).status).toBe(200);
        return served;
      };
      // Warm-up: a record read before the instance's first feed read is on the bound, and is read once more.
      await steady(1500);
      const before = app.services.keyStore.stats.reads;
      expect(await steady(3000)).toBeGreaterThan(10); // three times the bound
      expect(app.services.keyStore.stats.reads - before).toBe(0);
      expect(app.services.changeFeed.stats.failures).toBe(0);
    } finally {
      await app.close();
    }
  });
});

describe('change feed: the bound holds when an instance cannot read the feed', () => {
  const BOUND_MS = 4000;
  /** Request latency and polling: the bound itself is the cache TTL. */
  const MARGIN_MS = 500;
  let stalled = false;
  const stallable = (source: ChangeSource): ChangeSource => ({
    since: (...args) => (stalled ? Promise.reject(new Error('feed stalled by the test')) : source.since(...args)),
  });
  let apps: InProcessApp[] = [];
  beforeAll(async () => {
    const env = { KEYWARD_CACHE_TTL_MS: String(BOUND_MS) };
    apps = await Promise.all([startInProcessApp(env), startInProcessApp(env, { changeSource: stallable }), startInProcessApp(env)]);
  });
  afterAll(() => closeAll(apps));

  it('a stalled instance refuses the revoked key within the bound, while a healthy one does within 2 s', async () => {
    const [a, stuck, healthy] = apps as [InProcessApp, InProcessApp, InProcessApp];
    const user = await createUser();
    const key = await createKeyAt(a.url, user);
    for (const app of apps) expect((await meAt(app.url, { 'x-api-key': key.key })).status).toBe(200);
    await stuck.services.changeFeed.pull(); // its view is current now; from here on it reads nothing
    stalled = true;
    const revokedAt = await revoke(a, user, key.id);

    const atHealthy = await refusedAfter(healthy.url, key.key, revokedAt, 8000);
    expect([atHealthy.status, atHealthy.code]).toEqual([401, 'revoked_credential']);
    expect(atHealthy.ms).toBeLessThanOrEqual(FEED_GOAL_MS);
    // The stalled instance has not heard: it still serves its cached record, as the bound allows.
    expect((await meAt(stuck.url, { 'x-api-key': key.key })).status).toBe(200);

    const atStuck = await refusedAfter(stuck.url, key.key, revokedAt, BOUND_MS + 4000);
    expect([atStuck.status, atStuck.code]).toEqual([401, 'revoked_credential']);
    expect(atStuck.ms).toBeLessThanOrEqual(BOUND_MS + MARGIN_MS);
    expect(stuck.services.changeFeed.stats.failures).toBeGreaterThan(0);
    expect(stuck.services.changeFeed.lag()).toBeGreaterThanOrEqual(BOUND_MS);
  });
});
