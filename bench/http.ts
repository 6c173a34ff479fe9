// Throughput and latency over HTTP, side by side in one run: GET /v1/health (no credential) and
// GET /v1/me with each credential kind, against one function instance (bench/server.ts, its own
// process) driven by autocannon (bench/load.ts, another process) on loopback, caches warm.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { startChild, type Child } from './child';
import { createKey, createSession, createUser, expectOk, issueToken, type BenchKey } from './fixtures';
import type { LoadResult, LoadSpec } from './load';
import type { AuditCost, NonceFloor, ServerStats, SessionMode } from './server';

export interface HttpOptions {
  /** Environment of the function instance (the stack's emulator hosts and Keyward settings). */
  env: NodeJS.ProcessEnv;
  authHost: string;
  /** Seconds per kind per round. */
  seconds: number;
  /** Rounds of every kind in turn; each ratio is reported as the median and range over them. */
  rounds: number;
  /** Seconds of load per kind before the first round. */
  warmupSeconds: number;
  connections: number;
  log(line: string): void;
  /** Where the server's access lines go: a file (default) or a pipe this process reads. */
  accessSink?: 'file' | 'pipe';
  /** Only these credential kinds (all when undefined): for investigating one of them. */
  kinds?: string[];
}

export interface HttpRun extends LoadResult {
  /** Server CPU time per request (user + system), µs: where the time goes. */
  serverCpuUsPerRequest: number;
  firestoreReads: number;
  firestoreWrites: number;
  auditDropped: number;
}

export interface HttpResults {
  /** Per kind, the round whose requests per second are the median of its rounds. */
  runs: Record<string, HttpRun>;
  /** Every round: kind → its run in that round. */
  rounds: Record<string, HttpRun>[];
  /** Nonce claims alone, from the same instance at the same concurrency. */
  nonceWrite: NonceFloor;
  /** One access entry, alone, in the server process. */
  auditCost: AuditCost;
  /** Access lines the server wrote to its stdout (a pipe) over the HTTP runs, and their mean size. */
  accessLines: number;
  accessLineBytes: number;
  loadavgBefore: number[];
  loadavgAfter: number[];
  accessSink: 'file' | 'pipe';
}

interface Kind {
  name: string;
  path: string;
  headers: Record<string, string>;
  sign?: BenchKey;
  session?: SessionMode;
  /** Diagnostic: the same requests with the audit entry of each authenticated request switched off. */
  noAudit?: boolean;
}

export async function benchHttp(opts: HttpOptions): Promise<HttpResults> {
  const children: Child[] = [];
  try {
    // KEYWARD_BENCH_CPU_PROF=<dir>: the server writes a V8 CPU profile there when it stops (for investigating).
    const prof = process.env.KEYWARD_BENCH_CPU_PROF;
    // Access entries go to stdout, as in production (the emulator transport is for the local stack).
    // Where the server's stdout (the access lines) goes: a file by default. A pipe read by this
    // process puts the reader on the same two cores as the server and the load generator: every
    // line wakes it, and what that costs the writer depends on the machine's scheduling and other
    // load (30–85 µs a line on a busy VM, 1–2 µs on a quiet one), which made the ratios differ
    // between machines of one kind. In production the reader (Cloud Run's log collector) runs
    // outside the instance's CPU. KEYWARD_BENCH_ACCESS_SINK=pipe measures the pipe again.
    const sink = opts.accessSink ?? 'file';
    const { child: server, ready } = await startChild<{ url: string }>(join(__dirname, 'server.ts'), { ...opts.env, KEYWARD_AUDIT_ACCESS: 'stdout' }, {
      execArgv: prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [],
      stdout: sink,
    });
    children.push(server);
    const { child: load } = await startChild<null>(join(__dirname, 'load.ts'), process.env);
    children.push(load);
    const url = ready.url;

    // One key per credential kind: each kind's calls count against its own key's per-minute limit.
    const user = await createUser(opts.authHost);
    const apiKey = await createKey(url, user, 'bench api key');
    const tokenKey = await createKey(url, user, 'bench token key');
    const signKey = await createKey(url, user, 'bench signing key');
    const token = await issueToken(url, tokenKey.key);
    const emulatorCookie = await createSession(url, user);
    // RS256-signed with a local key pair that stands in for Google's (bench/server.ts).
    const productionCookie = await server.call<string>({ op: 'mint-session', uid: user.uid });
    const productionIdToken = await server.call<string>({ op: 'mint-id-token', uid: user.uid });

    const kinds: Kind[] = [
      { name: 'health', path: '/v1/health', headers: {} },
      { name: 'apiKeyNoAudit', path: '/v1/me', headers: { 'x-api-key': apiKey.key }, noAudit: true },
      { name: 'apiKey', path: '/v1/me', headers: { 'x-api-key': apiKey.key } },
      { name: 'accessToken', path: '/v1/me', headers: { authorization: `Bearer ${token}` } },
      { name: 'session', path: '/v1/me', headers: { cookie: `__session=${productionCookie}` }, session: 'production' },
      { name: 'idToken', path: '/v1/me', headers: { authorization: `Bearer ${productionIdToken}` }, session: 'production' },
      { name: 'sessionEmulator', path: '/v1/me', headers: { cookie: `__session=${emulatorCookie}` }, session: 'emulator' },
      { name: 'signature', path: '/v1/me', headers: {}, sign: signKey },
      // Health again at the end of each round: a round's ratios use the mean of both, so drift within it cancels out.
      { name: 'health2', path: '/v1/health', headers: {} },
    ];

    const loadavgBefore = loadavg();
    const selected = kinds.filter((k) => !opts.kinds || opts.kinds.includes(k.name));
    const rounds: Record<string, HttpRun>[] = [];
    let nonceWrite: NonceFloor = { opsPerSec: NaN, p50Ms: NaN, cpuUsPerOp: NaN, commitsPerOp: NaN };
    const stdoutBefore = server.stdout();
    const spec = (kind: Kind, seconds: number): LoadSpec => ({
      url,
      path: kind.path,
      headers: kind.headers,
      sign: kind.sign && { keyId: kind.sign.id, signingSecret: kind.sign.signingSecret },
      connections: opts.connections,
      seconds,
    });
    // Every kind once before anything is measured: JIT, connections, and every cache the requests
    // fill (key records, secret versions, users, limiter blocks, verified tokens). A kind measured
    // right after its own short warm-up only (the bench before) was measured half cold on a slower
    // machine, one reason two machines disagreed.
    for (const kind of selected) {
      if (kind.session) await server.call({ op: 'session-mode', mode: kind.session });
      await server.call({ op: 'audit-access', enabled: !kind.noAudit });
      if (kind.path === '/v1/me' && !kind.sign) await expectOk(url, kind.headers, kind.name);
      await load.call<LoadResult>({ spec: spec(kind, opts.warmupSeconds) });
    }
    // Then `rounds` rounds of every kind in turn: a ratio is taken within one round (against that
    // round's health checks, before and after it), so a load that comes and goes on the machine
    // shows as spread across rounds instead of skewing one kind.
    for (let round = 0; round < opts.rounds; round++) {
      const runs: Record<string, HttpRun> = {};
      for (const kind of selected) {
        if (kind.session) await server.call({ op: 'session-mode', mode: kind.session });
        await server.call({ op: 'audit-access', enabled: !kind.noAudit });
        if (kind.sign && round === 0) {
          // Right before the first signed requests, under the same conditions (the nonces collection grows).
          nonceWrite = await server.call<NonceFloor>({ op: 'nonce-floor', seconds: 3, concurrency: opts.connections });
          opts.log(
            `  nonce claims alone: ${nonceWrite.opsPerSec.toFixed(0)} ops/s, p50 ${nonceWrite.p50Ms.toFixed(2)} ms, cpu ${nonceWrite.cpuUsPerOp.toFixed(0)} µs/op, ${nonceWrite.commitsPerOp.toFixed(2)} commits/op`,
          );
        }
        const before = await server.call<ServerStats>({ op: 'stats' });
        const result = await load.call<LoadResult>({ spec: spec(kind, opts.seconds) });
        const after = await server.call<ServerStats>({ op: 'stats' });
        const cpuUs = after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system;
        const run: HttpRun = {
          ...result,
          serverCpuUsPerRequest: result.requests ? cpuUs / result.requests : 0,
          firestoreReads: after.keyStore.reads + after.rateCounters.reads - before.keyStore.reads - before.rateCounters.reads,
          firestoreWrites:
            after.keyStore.writes + after.nonces.writes + after.rateCounters.writes - before.keyStore.writes - before.nonces.writes - before.rateCounters.writes,
          auditDropped: after.audit.dropped - before.audit.dropped,
        };
        runs[kind.name] = run;
        opts.log(
          `  ${`r${round + 1} ${kind.name}`.padEnd(19)} ${run.rps.toFixed(0).padStart(6)} req/s  p50 ${run.p50Ms} ms  p99 ${run.p99Ms} ms  ` +
            `cpu ${run.serverCpuUsPerRequest.toFixed(0)} µs/req` +
            (run.non2xx || run.errors ? `  non-2xx ${run.non2xx} ${JSON.stringify(run.statuses)} errors ${run.errors}` : ''),
        );
        if (run.non2xx || run.errors || run.timeouts) {
          throw new Error(`${kind.name}: ${run.non2xx} non-2xx answers ${JSON.stringify(run.statuses)}, ${run.errors} errors, ${run.timeouts} timeouts\n${server.stderr().slice(-2000)}`);
        }
      }
      rounds.push(runs);
    }
    const loadavgAfter = loadavg();
    const stdout = server.stdout();
    const accessLines = stdout.lines - stdoutBefore.lines;
    const accessLineBytes = accessLines ? (stdout.bytes - stdoutBefore.bytes) / accessLines : 0;
    const auditCost = await server.call<AuditCost>({ op: 'audit-cost', entries: 50_000 });
    opts.log(`  access entry alone: cpu ${auditCost.cpuUsPerEntry.toFixed(1)} µs (chain link ${auditCost.chainCpuUsPerEntry.toFixed(1)} µs); ${accessLines} lines on stdout, ${accessLineBytes.toFixed(0)} B each`);
    await server.call({ op: 'close' });
    return { runs: medianRuns(rounds), rounds, nonceWrite, auditCost, accessLines, accessLineBytes, loadavgBefore, loadavgAfter, accessSink: sink };
  } finally {
    for (const c of children.reverse()) await c.stop();
  }
}

/** Per kind, the run of the round with the median requests per second. */
function medianRuns(rounds: Record<string, HttpRun>[]): Record<string, HttpRun> {
  const out: Record<string, HttpRun> = {};
  for (const name of Object.keys(rounds[0] ?? {})) {
    const sorted = rounds.map((r) => r[name]!).sort((a, b) => a.rps - b.rps);
    out[name] = sorted[Math.floor(sorted.length / 2)]!;
  }
  return out;
}
