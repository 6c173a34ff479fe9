// Accuracy across instances: three app instances built in this process (each with its own caches
// and leased blocks) share the test stack's Firestore and serve one key. Accepted requests must stay
// within 0.95× to 1.2× of the key's limit (the tolerance Unkey's own accuracy test accepts), with
// far fewer counter writes than requests. A daily limit keeps the test clear of minute boundaries.
import { createUser } from '../../harness/auth';
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import { createKeyAt } from '../keys/support';
import { meWithKey } from './support';

const LIMIT = 300;
const REQUESTS = 2 * LIMIT;
const CONCURRENCY = 12;

describe('limits across three instances', () => {
  let apps: InProcessApp[] = [];

  beforeAll(async () => {
    apps = await Promise.all([0, 1, 2].map(() => startInProcessApp()));
  });
  afterAll(async () => {
    for (const app of apps) {
      await app.close();
      await app.services.audit.close();
    }
  });

  it('accepts between 0.95× and 1.2× of a key limit, writing about once per leased block', async () => {
    const user = await createUser();
    const key = await createKeyAt(apps[0]!.url, user, { name: 'shared limit', limits: { requestsPerDay: LIMIT } });
    const writesBefore = apps.reduce((n, a) => n + a.services.rateCounters.stats.writes, 0);
    let next = 0;
    let accepted = 0;
    const statuses = new Map<number, number>();
    // Workers spread the requests round-robin over the instances, several in flight on each.
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < REQUESTS) {
          const i = next++;
          const res = await meWithKey(apps[i % 3]!.url, key.key);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status === 200) accepted++;
          else expect(res.json.error.code).toBe('rate_limited');
        }
      }),
    );
    const writes = apps.reduce((n, a) => n + a.services.rateCounters.stats.writes, 0) - writesBefore;
    console.log(`three instances, limit ${LIMIT}: ${accepted} accepted of ${REQUESTS} (${(accepted / LIMIT).toFixed(3)}×), ${writes} counter writes (${Math.round((writes / REQUESTS) * 1000)} per 1000 requests)`);
    expect([...statuses.keys()].sort()).toEqual([200, 429]);
    expect(accepted).toBeGreaterThanOrEqual(Math.ceil(0.95 * LIMIT));
    expect(accepted).toBeLessThanOrEqual(1.2 * LIMIT);
    // One write per block: blocks shrink to single units only in the last 32 of the allowance.
    expect(writes).toBeLessThan(REQUESTS / 3);
  });
});
