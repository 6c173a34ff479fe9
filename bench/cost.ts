// What authenticated requests cost in Google services, on a warm instance with 100 active keys
// (the change feed current: records live KEYWARD_RECORD_TTL_MS, docs/cache.md):
// Firestore operations (counted at the app's stores, which are all of its Firestore access),
// Secret Manager calls and Cloud Logging bytes (counted by the emulators that receive them).
import { createKey, createUser, type BenchKey } from './fixtures';
import { startApp, type BenchApp } from './functions';
import type { Stack } from '../scripts/stack';

export interface CostSample {
  requests: number;
  elapsedMs: number;
  firestoreReads: number;
  firestoreWrites: number;
  secretManagerCalls: number;
  loggingEntries: number;
  loggingBytes: number;
}

export interface CostResults {
  keys: number;
  /** 1,000 requests over the 100 keys, right after the caches were filled. */
  per1000: CostSample;
  bytesPerLogEntry: number;
  /**
   * A steady stream over the same keys for a minute, six times the cache bound: with the change
   * feed current, cached records are not read again; the feed's own reads are counted apart.
   */
  sustained: CostSample & { rps: number; firestoreReadsPerKeyPerMinute: number; readsPerKeyPerHour: number; feedReads: number; feedReadsPerInstancePerHour: number };
}

function counters(app: BenchApp, stack: Stack) {
  const s = app.services;
  const e = stack.emulatorStats();
  const sum = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);
  return {
    at: performance.now(),
    reads: s.keyStore.stats.reads + s.rateCounters.stats.reads,
    feedReads: s.changeFeed.stats.reads,
    writes: s.keyStore.stats.writes + s.nonces.stats.writes + s.rateCounters.stats.writes,
    sm: sum(e.secretManager.calls),
    entries: e.logging.entries,
    bytes: e.logging.bytes,
  };
}

async function sample(app: BenchApp, stack: Stack, run: () => Promise<number>): Promise<CostSample & { feedReads: number }> {
  await app.services.audit.flush();
  const before = counters(app, stack);
  const requests = await run();
  const elapsedMs = performance.now() - before.at;
  await app.services.audit.flush(); // this run's access entries reach the Logging emulator
  const after = counters(app, stack);
  return {
    requests,
    elapsedMs,
    firestoreReads: after.reads - before.reads,
    feedReads: after.feedReads - before.feedReads,
    firestoreWrites: after.writes - before.writes,
    secretManagerCalls: after.sm - before.sm,
    loggingEntries: after.entries - before.entries,
    loggingBytes: after.bytes - before.bytes,
  };
}

async function call(app: BenchApp, key: BenchKey): Promise<void> {
  const res = await fetch(`${app.url}/v1/me`, { headers: { 'x-api-key': key.key, 'user-agent': 'keyward-bench/1.0' } });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`cost: GET /v1/me answered ${res.status}`);
}

export async function benchCost(opts: { env: NodeJS.ProcessEnv; authHost: string; stack: Stack; keys: number; sustainedSeconds: number; sustainedRps: number }): Promise<CostResults> {
  const app = await startApp(opts.env);
  try {
    // 10 keys per user (the per-user limit is 100).
    const keys: BenchKey[] = [];
    const users = [];
    for (let u = 0; u < opts.keys / 10; u++) {
      const user = await createUser(opts.authHost);
      users.push(user);
      keys.push(...(await Promise.all(Array.from({ length: 10 }, (_, i) => createKey(app.url, user, `bench cost ${u}.${i}`)))));
    }
    // Warm: every key record, owner (and their own limits) and provider secret freshly cached, as on an instance that
    // serves these keys. (Loaded directly, so no request has noted a use yet: the first use of each
    // key in the measured minute writes its lastUsedAt, the worst case the goal allows for.)
    const s = app.services;
    await s.hmacSecret.versions();
    for (const k of keys) s.keyCache.delete(k.id);
    await Promise.all(keys.map((k) => s.keyCache.get(k.id)));
    for (const u of users) s.users.invalidate(u.uid);
    await Promise.all(users.map((u) => s.users.get(u.uid)));
    await Promise.all(users.map((u) => s.ownerLimits.of(u.uid)));

    const per1000 = await sample(app, opts.stack, async () => {
      const total = 1000;
      let next = 0;
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          while (next < total) await call(app, keys[next++ % keys.length]!);
        }),
      );
      return total;
    });

    // Steady traffic at a fixed rate, every key used about once a second.
    const steady = async (seconds: number) => {
      const interval = 1000 / opts.sustainedRps;
      const end = performance.now() + seconds * 1000;
      const inflight: Promise<void>[] = [];
      let n = 0;
      for (let t = performance.now(); t < end; t += interval) {
        const wait = t - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        inflight.push(call(app, keys[n++ % keys.length]!));
      }
      await Promise.all(inflight);
      return n;
    };
    // First past the change feed's overlap window: the keys' creation entries are still read by each
    // feed query for that long (docs/cache.md); steady state is what is measured.
    await steady((s.config.dependencyTimeoutMs + 1000 + s.config.feedIntervalMs) / 1000);
    const sustained = await sample(app, opts.stack, () => steady(opts.sustainedSeconds));
    const minutes = sustained.elapsedMs / 60_000;
    const hours = minutes / 60;
    return {
      keys: keys.length,
      per1000,
      bytesPerLogEntry: per1000.loggingEntries ? per1000.loggingBytes / per1000.loggingEntries : 0,
      sustained: {
        ...sustained,
        rps: sustained.requests / (sustained.elapsedMs / 1000),
        firestoreReadsPerKeyPerMinute: sustained.firestoreReads / keys.length / minutes,
        // Reads that grow with keys (records, counters), and the feed's own, fixed per instance (docs/cache.md).
        readsPerKeyPerHour: sustained.firestoreReads / keys.length / hours,
        feedReadsPerInstancePerHour: sustained.feedReads / hours,
      },
    };
  } finally {
    await app.close();
  }
}
