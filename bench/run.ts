// `npm run bench`: starts its own emulator stack (ports shifted from `npm start`'s and the tests'),
// measures, prints the table and writes bench/results.json. Everything it starts is stopped at the
// end, on error and on Ctrl-C. See the modules next to it for what each measurement means.
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PORTS, startStack, stopOnSignals, type Stack, type StackPorts } from '../scripts/stack';
import { benchColdStart } from './cold-start';
import { benchCost } from './cost';
import { benchHttp } from './http';
import { benchLimits } from './limits';
import { benchReject } from './reject';
import { table, evaluate, metrics, writeResults } from './report';
import { benchRevocation } from './revocation';
import { benchVerify } from './verify';

const PROJECT_ID = 'demo-keyward';
/** Away from `npm start` (DEFAULT_PORTS) and the tests (5050…, 8180…, 9199…); KEYWARD_BENCH_PORT_OFFSET moves it. */
const OFFSET = Number(process.env.KEYWARD_BENCH_PORT_OFFSET ?? 3000) || 3000;
const RESULTS = join(__dirname, 'results.json');

const log = (line: string) => console.log(line);

async function timed<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const t = Date.now();
  log(`${what}…`);
  const out = await fn();
  log(`  (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  return out;
}

/** KEYWARD_BENCH_ONLY=coldStart,http,verify,reject,cost,revocation,limits; `http:apiKey+health` for some kinds only. */
const ONLY = process.env.KEYWARD_BENCH_ONLY?.split(',').map((s) => s.trim().split(':')[0]!);
const ONLY_KINDS = process.env.KEYWARD_BENCH_ONLY?.split(',').flatMap((s) => (s.startsWith('http:') ? s.slice(5).split('+') : []));
const want = (section: string) => !ONLY || ONLY.includes(section);

async function coldStartSection() {
  const r = await timed('cold start (fresh node processes)', () => benchColdStart(9));
  log(`  entry ${r.entryImportMs.toFixed(1)} ms, bare ${r.bareImportMs.toFixed(1)} ms, ratio ${r.ratio.toFixed(3)}`);
  return r;
}

function httpSection(env: NodeJS.ProcessEnv, authHost: string) {
  return timed('HTTP (autocannon, loopback, one instance)', () =>
    benchHttp({
      // The per-key call limit (100,000/min for server keys) would cut a saturated 5 s run short.
      env: { ...env, KEYWARD_CALL_LIMIT_SERVER: '1000000000' },
      authHost,
      // Five rounds of 3 s per kind, every kind warmed first: each ratio is a median with its range (bench/http.ts).
      seconds: 3,
      rounds: 5,
      warmupSeconds: 2,
      connections: 10,
      log,
      kinds: ONLY_KINDS?.length ? ONLY_KINDS : undefined,
      accessSink: process.env.KEYWARD_BENCH_ACCESS_SINK === 'pipe' ? 'pipe' : 'file',
    }),
  );
}

async function verifySection(env: NodeJS.ProcessEnv, authHost: string) {
  const r = await timed('verification loop (one core)', () => benchVerify({ env, authHost, rounds: 5, roundMs: 1000 }));
  log(`  api key ${r.apiKeyOpsPerSec.toFixed(0)} ops/s (${r.apiKeyOpsPerCpuSec.toFixed(0)} per CPU second), access token ${r.accessTokenOpsPerSec.toFixed(0)} ops/s (${r.accessTokenOpsPerCpuSec.toFixed(0)} per CPU second)`);
  return r;
}

async function rejectSection(env: NodeJS.ProcessEnv, authHost: string) {
  const r = await timed('1000 malformed keys', () => benchReject({ env, authHost, count: 1000 }));
  log(`  ${r.malformedDatastoreReads} datastore reads, answers ${JSON.stringify(r.statuses)}`);
  return r;
}

async function costSection(env: NodeJS.ProcessEnv, authHost: string, stack: Stack) {
  const r = await timed('cost per 1000 requests (100 active keys)', () => benchCost({ env, authHost, stack, keys: 100, sustainedSeconds: 60, sustainedRps: 100 }));
  log(`  burst: ${JSON.stringify(r.per1000)}`);
  log(`  sustained: ${JSON.stringify(r.sustained)}`);
  return r;
}

async function revocationSection(env: NodeJS.ProcessEnv, authHost: string) {
  const r = await timed('revocation (three instances, production settings: the change feed)', () => benchRevocation({ env, authHost, trials: 20, instances: 3 }));
  log(`  same instance ${r.sameInstanceMs.toFixed(1)} ms; other instances p50 ${r.crossInstanceP50Ms.toFixed(0)} ms, p99 ${r.crossInstanceP99Ms.toFixed(0)} ms, worst ${r.crossInstanceMs.toFixed(0)} ms (${r.revocations} revocations × ${r.instances - 1} instances)`);
  return r;
}

async function limitsSection(env: NodeJS.ProcessEnv, authHost: string) {
  const r = await timed('limit accuracy (three instances, one key)', () => benchLimits({ env, authHost, limit: 3000, concurrency: 24 }));
  log(`  ${r.accepted} accepted of ${r.requests} against a limit of ${r.limit}: ${r.accuracy.toFixed(3)}× (goal 0.95–1.2), ${r.writesPer1000Requests.toFixed(0)} counter writes per 1000 requests`);
  return r;
}

async function main(): Promise<number> {
  const started = Date.now();
  const loadBefore = loadavg();
  if (loadBefore[0]! > 0.5 * cpus().length) {
    log(`note: the machine is busy (load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores): throughput numbers will be lower and noisier`);
  }

  // Before the emulators start: fresh processes on a quiet machine.
  const coldStart = want('coldStart') ? await coldStartSection() : undefined;
  if (ONLY && !ONLY.some((s) => s !== 'coldStart')) return 0;

  const ports = Object.fromEntries(Object.entries(DEFAULT_PORTS).map(([k, p]) => [k, p + OFFSET])) as unknown as StackPorts;
  const abort = new AbortController();
  let stack: Stack | undefined;
  const starting = startStack({ ports, projectId: PROJECT_ID, quiet: true, signal: abort.signal });
  const disposeSignals = stopOnSignals({
    async stop() {
      abort.abort(new Error('interrupted'));
      await (await starting.catch(() => undefined))?.stop();
    },
  });
  try {
    stack = await timed(`emulators on ports +${OFFSET} (hosting ${ports.hosting})`, () => starting);
    // firebase-admin reads the emulator addresses from process.env: the in-process instances need them.
    // No KEYWARD_CACHE_TTL_MS: the production cache bound, which revocation and cost depend on.
    delete process.env.KEYWARD_CACHE_TTL_MS;
    Object.assign(process.env, stack.env);
    const env: NodeJS.ProcessEnv = { ...process.env };
    const authHost = stack.env.FIREBASE_AUTH_EMULATOR_HOST!;

    if (ONLY) {
      // A partial run (KEYWARD_BENCH_ONLY=http:apiKey,verify …): logs only, results.json untouched.
      if (want('http')) await httpSection(env, authHost);
      if (want('verify')) await verifySection(env, authHost);
      if (want('reject')) await rejectSection(env, authHost);
      if (want('cost')) await costSection(env, authHost, stack);
      if (want('revocation')) await revocationSection(env, authHost);
      if (want('limits')) await limitsSection(env, authHost);
      return 0;
    }
    const http = await httpSection(env, authHost);
    const verify = await verifySection(env, authHost);
    const reject = await rejectSection(env, authHost);
    const cost = await costSection(env, authHost, stack);
    const revocation = await revocationSection(env, authHost);
    const limits = await limitsSection(env, authHost);

    const out: Record<string, Record<string, unknown>> = metrics({
      http,
      verify,
      reject,
      coldStart: coldStart!,
      revocation,
      cost,
      meta: {
        node: process.version,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? '',
        firestore: stack.firestoreKind,
        loadavgAtStart: loadBefore,
        durationSeconds: (Date.now() - started) / 1000,
      },
    });
    out.limits = { ...limits };
    const goals = evaluate(out);
    out.goals = Object.fromEntries(goals.map((g) => [g.metric, { goal: g.goal, pass: g.pass, value: g.value }]));
    writeResults(RESULTS, out);
    log('');
    log(table(out, goals));
    const failed = goals.filter((g) => !g.pass);
    log('');
    log(`${goals.length - failed.length}/${goals.length} goals met${failed.length ? `; not met: ${failed.map((g) => g.metric).join(', ')}` : ''}`);
    log(`results: ${RESULTS} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    return 0;
  } finally {
    disposeSignals();
    await (stack ?? (await starting.catch(() => undefined)))?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
