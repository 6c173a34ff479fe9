// How long a revoked key keeps working: on the instance that revoked it, and on another instance
// (same emulators) that keeps verifying it until it is refused. Production cache TTL (no
// KEYWARD_CACHE_TTL_MS), so this is the bound users get: ≤ 10 s across instances.
import { randomInt } from 'node:crypto';
import { createKey, createUser, expectOk, me, revokeKey } from './fixtures';
import { startApp } from './functions';

export interface RevocationResults {
  /** Worst trial (the value held against the goal). */
  sameInstanceMs: number;
  crossInstanceMs: number;
  trials: { sameInstanceMs: number; crossInstanceMs: number; delayBeforeRevokeMs: number }[];
  cacheTtlMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const POLL_MS = 20;
const GIVE_UP_MS = 30_000;

export async function benchRevocation(opts: { env: NodeJS.ProcessEnv; authHost: string; trials: number }): Promise<RevocationResults> {
  const a = await startApp(opts.env);
  const b = await startApp(opts.env);
  try {
    const user = await createUser(opts.authHost);
    const trials: RevocationResults['trials'] = [];
    for (let i = 0; i < opts.trials; i++) {
      const key = await createKey(a.url, user, `bench revocation ${i}`);
      const headers = { 'x-api-key': key.key };
      await expectOk(a.url, headers, 'the new key on instance A');
      await expectOk(b.url, headers, 'the new key on instance B');

      // B keeps verifying the key, as a client of that instance would.
      // Set once the revocation is answered; read by the poller.
      const at: { revoked?: number; refused?: number } = {};
      let stop = false;
      const poller = (async () => {
        while (!stop) {
          const r = await me(b.url, headers);
          if (r.status !== 200) {
            if (at.revoked === undefined) throw new Error(`instance B refused the key before it was revoked (${r.status} ${r.code})`);
            if (r.code !== 'revoked_credential') throw new Error(`instance B refused with ${r.status} ${r.code}, not revoked_credential`);
            at.refused = performance.now();
            return;
          }
          if (at.revoked !== undefined && performance.now() - at.revoked > GIVE_UP_MS) throw new Error(`instance B still accepts the key ${GIVE_UP_MS} ms after revocation`);
          await sleep(POLL_MS);
        }
      })();
      poller.catch(() => undefined); // awaited below; an early failure must not go unhandled meanwhile

      // Revoke at a random point of B's cache refresh cycle.
      const delayBeforeRevokeMs = randomInt(0, 5000);
      await sleep(delayBeforeRevokeMs);
      await revokeKey(a.url, user, key.id);
      const revokedAt = (at.revoked = performance.now());
      const here = await me(a.url, headers);
      const sameInstanceMs = performance.now() - revokedAt;
      if (here.code !== 'revoked_credential') {
        stop = true;
        throw new Error(`instance A still accepts a key it revoked (${here.status} ${here.code ?? ''})`);
      }
      await poller;
      trials.push({ sameInstanceMs, crossInstanceMs: at.refused! - revokedAt, delayBeforeRevokeMs });
    }
    return {
      sameInstanceMs: Math.max(...trials.map((t) => t.sameInstanceMs)),
      crossInstanceMs: Math.max(...trials.map((t) => t.crossInstanceMs)),
      trials,
      cacheTtlMs: a.services.config.cacheTtlMs,
    };
  } finally {
    await a.close();
    await b.close();
  }
}
