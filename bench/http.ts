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
  seconds: number;
  warmupSeconds: number;
  connections: number;
  log(line: string): void;
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
  runs: Record<string, HttpRun>;
  /** Nonce claims alone, from the same instance at the same concurrency. */
  nonceWrite: NonceFloor;
  /** One access entry, alone, in the server process. */
  auditCost: AuditCost;
  /** Access lines the server wrote to its stdout (a pipe) over the HTTP runs, and their mean size. */
  accessLines: number;
  accessLineBytes: number;
  loadavgBefore: number[];
  loadavgAfter: number[];
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
    const { child: server, ready } = await startChild<{ url: string }>(join(__dirname, 'server.ts'), { ...opts.env, KEYWARD_AUDIT_ACCESS: 'stdout' }, {
      execArgv: prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [],
      stdout: 'pipe',
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
      // Health again at the end: the ratios use the mean of both, so drift over the run cancels out.
      { name: 'health2', path: '/v1/health', headers: {} },
    ];

    const loadavgBefore = loadavg();
    const runs: Record<string, HttpRun> = {};
    let nonceWrite: NonceFloor = { opsPerSec: NaN, p50Ms: NaN, cpuUsPerOp: NaN, commitsPerOp: NaN };
    const stdoutBefore = server.stdout();
    for (const kind of kinds.filter((k) => !opts.kinds || opts.kinds.includes(k.name))) {
      if (kind.session) await server.call({ op: 'session-mode', mode: kind.session });
      await server.call({ op: 'audit-access', enabled: !kind.noAudit });
      if (kind.path === '/v1/me' && !kind.sign) await expectOk(url, kind.headers, kind.name);
      const spec = (seconds: number): LoadSpec => ({
        url,
        path: kind.path,
        headers: kind.headers,
        sign: kind.sign && { keyId: kind.sign.id, signingSecret: kind.sign.signingSecret },
        connections: opts.connections,
        seconds,
      });
      if (kind.sign) {
        // Right before the signed requests, under the same conditions (the nonces collection grows).
        nonceWrite = await server.call<NonceFloor>({ op: 'nonce-floor', seconds: 3, concurrency: opts.connections });
        opts.log(
          `  nonce claims alone: ${nonceWrite.opsPerSec.toFixed(0)} ops/s, p50 ${nonceWrite.p50Ms.toFixed(2)} ms, cpu ${nonceWrite.cpuUsPerOp.toFixed(0)} µs/op, ${nonceWrite.commitsPerOp.toFixed(2)} commits/op`,
        );
      }
      // Warm-up: JIT, connections, and any cache the first requests fill.
      await load.call<LoadResult>({ spec: spec(opts.warmupSeconds) });
      const before = await server.call<ServerStats>({ op: 'stats' });
      const result = await load.call<LoadResult>({ spec: spec(opts.seconds) });
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
        `  ${kind.name.padEnd(16)} ${run.rps.toFixed(0).padStart(6)} req/s  p50 ${run.p50Ms} ms  p99 ${run.p99Ms} ms  ` +
          `cpu ${run.serverCpuUsPerRequest.toFixed(0)} µs/req` +
          (run.non2xx || run.errors ? `  non-2xx ${run.non2xx} ${JSON.stringify(run.statuses)} errors ${run.errors}` : ''),
      );
      if (run.non2xx || run.errors || run.timeouts) {
        throw new Error(`${kind.name}: ${run.non2xx} non-2xx answers ${JSON.stringify(run.statuses)}, ${run.errors} errors, ${run.timeouts} timeouts\n${server.stderr().slice(-2000)}`);
      }
    }
    const loadavgAfter = loadavg();
    const stdout = server.stdout();
    const accessLines = stdout.lines - stdoutBefore.lines;
    const accessLineBytes = accessLines ? (stdout.bytes - stdoutBefore.bytes) / accessLines : 0;
    const auditCost = await server.call<AuditCost>({ op: 'audit-cost', entries: 50_000 });
    opts.log(`  access entry alone: cpu ${auditCost.cpuUsPerEntry.toFixed(1)} µs (chain link ${auditCost.chainCpuUsPerEntry.toFixed(1)} µs); ${accessLines} lines on stdout, ${accessLineBytes.toFixed(0)} B each`);
    await server.call({ op: 'close' });
    return { runs, nonceWrite, auditCost, accessLines, accessLineBytes, loadavgBefore, loadavgAfter };
  } finally {
    for (const c of children.reverse()) await c.stop();
  }
}
