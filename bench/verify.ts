// Verification alone, on one core: the verifier the pipeline calls for an API key (and for an
// access token), called in a loop on a warm instance. No HTTP, no audit: the inner loop's cost.
import { startApp } from './functions';
import { fns } from './functions';
import { createKey, createUser, issueToken } from './fixtures';
import type { RequestContext } from '../functions/src/request';

export interface VerifyResults {
  apiKeyOpsPerSec: number;
  accessTokenOpsPerSec: number;
  /**
   * The same per second of this process's CPU time: what one core does when it is not shared.
   * On a loaded machine the wall-clock figures fall with the share of a core the loop gets.
   */
  apiKeyOpsPerCpuSec: number;
  accessTokenOpsPerCpuSec: number;
  /** Every round's ops/s: the reported value is their median. */
  rounds: { apiKey: number[]; accessToken: number[]; apiKeyCpu: number[]; accessTokenCpu: number[] };
}

const INFO: RequestContext = {
  requestId: 'bench',
  method: 'GET',
  path: '/v1/me',
  rawQuery: '',
  ip: '127.0.0.1',
  userAgent: 'keyward-bench',
  origin: undefined,
  headers: {},
  rawHeaders: [],
  rawBody: Buffer.alloc(0),
  body: {},
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Calls `fn` back to back for `ms`; between rounds the event loop runs (background cache refreshes). */
async function round(fn: () => Promise<unknown>, ms: number): Promise<{ wall: number; cpu: number }> {
  await new Promise((r) => setImmediate(r));
  let n = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 1000; i++) await fn();
    n += 1000;
    now = performance.now();
  }
  const used = process.cpuUsage(cpu);
  return { wall: n / ((now - start) / 1000), cpu: n / ((used.user + used.system) / 1e6) };
}

async function measure(fn: () => Promise<unknown>, rounds: number, ms: number): Promise<{ wall: number[]; cpu: number[] }> {
  await round(fn, 300); // warm-up: JIT
  const out = { wall: [] as number[], cpu: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    const r = await round(fn, ms);
    out.wall.push(r.wall);
    out.cpu.push(r.cpu);
  }
  return out;
}

export async function benchVerify(opts: { env: NodeJS.ProcessEnv; authHost: string; rounds: number; roundMs: number }): Promise<VerifyResults> {
  const app = await startApp(opts.env);
  try {
    const user = await createUser(opts.authHost);
    const key = await createKey(app.url, user, 'bench verify');
    const tokenKey = await createKey(app.url, user, 'bench verify token');
    const token = await issueToken(app.url, tokenKey.key);
    const parsed = fns.format().parseKey(key.key);
    if (!parsed) throw new Error('the created key does not parse');
    const { apiKey, accessToken } = app.services.verifiers;
    // Sanity: both verify (and fill the caches) before they are timed.
    if ((await apiKey(parsed, INFO)).method !== 'api_key') throw new Error('api key did not verify');
    if ((await accessToken(token, INFO)).method !== 'access_token') throw new Error('access token did not verify');
    const apiKeyRounds = await measure(() => apiKey(parsed, INFO), opts.rounds, opts.roundMs);
    const tokenRounds = await measure(() => accessToken(token, INFO), opts.rounds, opts.roundMs);
    return {
      apiKeyOpsPerSec: median(apiKeyRounds.wall),
      accessTokenOpsPerSec: median(tokenRounds.wall),
      apiKeyOpsPerCpuSec: median(apiKeyRounds.cpu),
      accessTokenOpsPerCpuSec: median(tokenRounds.cpu),
      rounds: { apiKey: apiKeyRounds.wall, accessToken: tokenRounds.wall, apiKeyCpu: apiKeyRounds.cpu, accessTokenCpu: tokenRounds.cpu },
    };
  } finally {
    await app.close();
  }
}
