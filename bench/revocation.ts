// How long a revoked key keeps working: on the instance that revoked it, and on two other
// instances (same emulators) that keep verifying it until they refuse it. Production settings (no
// KEYWARD_CACHE_TTL_MS): the change feed carries the revocation (docs/cache.md), the cache bound
// (10 s) is only the fallback, so the cross-instance delay is about the feed interval (1 s).
import { randomInt } from 'node:crypto';
import { createKey, createUser, expectOk, me, revokeKey } from './fixtures';
import { startApp, type BenchApp } from './functions';

export interface RevocationResults {
  /** Worst trial (the value held against the goal). */
  sameInstanceMs: number;
  crossInstanceMs: number;
  /** Over every (revocation, other instance) pair. */
  crossInstanceP50Ms: number;
  crossInstanceP99Ms: number;
  revocations: number;
  instances: number;
  trials: { sameInstanceMs: number; crossInstanceMs: number[]; delayBeforeRevokeMs: number }[];
  cacheTtlMs: number;
  feedIntervalMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const POLL_MS = 20;
const GIVE_UP_MS = 30_000;

/** The q-quantile (nearest rank) of the values. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Polls an instance as one of its clients would until it refuses the key; when, by `at.revoked`'s clock. */
function pollUntilRefused(app: BenchApp, headers: Record<string, string>, at: { revoked?: number }): Promise<number> {
  return (async () => {
    for (;;) {
      const r = await me(app.url, headers);
      if (r.status !== 200) {
        if (at.revoked === undefined) throw new Error(`an instance refused the key before it was revoked (${r.status} ${r.code})`);
        if (r.code !== 'revoked_credential') throw new Error(`an instance refused with ${r.status} ${r.code}, not revoked_credential`);
        return performance.now();
      }
      if (at.revoked !== undefined && performance.now() - at.revoked > GIVE_UP_MS) throw new Error(`an instance still accepts the key ${GIVE_UP_MS} ms after revocation`);
      await sleep(POLL_MS);
    }
  })();
}

export async function benchRevocation(opts: { env: NodeJS.ProcessEnv; authHost: string; trials: number; instances?: number }): Promise<RevocationResults> {
  const apps = await Promise.all(Array.from({ length: opts.instances ?? 3 }, () => startApp(opts.env)));
  const [a, ...others] = apps as [BenchApp, ...BenchApp[]];
  try {
    const user = await createUser(opts.authHost);
    const trials: RevocationResults['trials'] = [];
    for (let i = 0; i < opts.trials; i++) {
      const key = await createKey(a.url, user, `bench revocation ${i}`);
      const headers = { 'x-api-key': key.key };
      for (const app of apps) await expectOk(app.url, headers, 'the new key on every instance');

      const at: { revoked?: number } = {};
      const pollers = others.map((app) => pollUntilRefused(app, headers, at));
      for (const p of pollers) p.catch(() => undefined); // awaited below

      // Revoke at a random point of the other instances' feed cycle.
      const delayBeforeRevokeMs = randomInt(0, 2000);
      await sleep(delayBeforeRevokeMs);
      await revokeKey(a.url, user, key.id);
      const revokedAt = (at.revoked = performance.now());
      const here = await me(a.url, headers);
      const sameInstanceMs = performance.now() - revokedAt;
      if (here.code !== 'revoked_credential') throw new Error(`instance A still accepts a key it revoked (${here.status} ${here.code ?? ''})`);
      const refused = await Promise.all(pollers);
      trials.push({ sameInstanceMs, crossInstanceMs: refused.map((t) => t - revokedAt), delayBeforeRevokeMs });
    }
    const cross = trials.flatMap((t) => t.crossInstanceMs);
    return {
      sameInstanceMs: Math.max(...trials.map((t) => t.sameInstanceMs)),
      crossInstanceMs: Math.max(...cross),
      crossInstanceP50Ms: quantile(cross, 0.5),
      crossInstanceP99Ms: quantile(cross, 0.99),
      revocations: trials.length,
      instances: apps.length,
      trials,
      cacheTtlMs: a.services.config.cacheTtlMs,
      feedIntervalMs: a.services.config.feedIntervalMs,
    };
  } finally {
    for (const app of apps) await app.close();
  }
}
