// Limit accuracy across instances: three instances share the stack's Firestore and serve one key
// with a daily limit, twice as many requests as the limit, round-robin with several in flight.
// Reports the accepted share of the limit and the counter writes per 1,000 requests.
import { createUser } from './fixtures';
import { startApp, type BenchApp } from './functions';

export interface LimitsResults {
  limit: number;
  requests: number;
  accepted: number;
  /** Accepted requests over the limit: the goal is 0.95–1.2. */
  accuracy: number;
  counterWrites: number;
  writesPer1000Requests: number;
}

export async function benchLimits(opts: { env: NodeJS.ProcessEnv; authHost: string; limit: number; concurrency: number }): Promise<LimitsResults> {
  const apps: BenchApp[] = await Promise.all([0, 1, 2].map(() => startApp(opts.env)));
  try {
    const user = await createUser(opts.authHost);
    const res = await fetch(`${apps[0]!.url}/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.idToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench limits', limits: { requestsPerDay: opts.limit } }),
    });
    if (res.status !== 201) throw new Error(`POST /v1/keys: ${res.status} ${await res.text()}`);
    const key = ((await res.json()) as { key: string }).key;
    const writes = () => apps.reduce((n, a) => n + a.services.rateCounters.stats.writes, 0);
    const before = writes();
    const requests = 2 * opts.limit;
    let next = 0;
    let accepted = 0;
    await Promise.all(
      Array.from({ length: opts.concurrency }, async () => {
        while (next < requests) {
          const i = next++;
          const r = await fetch(`${apps[i % 3]!.url}/v1/me`, { headers: { 'x-api-key': key } });
          await r.arrayBuffer();
          if (r.status === 200) accepted++;
        }
      }),
    );
    const counterWrites = writes() - before;
    return { limit: opts.limit, requests, accepted, accuracy: accepted / opts.limit, counterWrites, writesPer1000Requests: (counterWrites / requests) * 1000 };
  } finally {
    await Promise.all(apps.map((a) => a.close()));
  }
}
