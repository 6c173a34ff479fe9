// Turns the measurements into bench/results.json (flat, documented metric names, keys sorted so
// that successive runs diff cleanly) and the table printed at the end of `npm run bench`.
import { renameSync, writeFileSync } from 'node:fs';
import type { ColdStartResults } from './cold-start';
import type { CostResults } from './cost';
import type { HttpResults, HttpRun } from './http';
import type { RejectResults } from './reject';
import type { RevocationResults } from './revocation';
import type { VerifyResults } from './verify';

export interface Measurements {
  http: HttpResults;
  verify: VerifyResults;
  reject: RejectResults;
  coldStart: ColdStartResults;
  revocation: RevocationResults;
  cost: CostResults;
  meta: Record<string, unknown>;
}

/**
 * Credential kinds over HTTP. `session` and `idToken` are RS256-signed with a local key pair that
 * stands in for Google's (bench/server.ts). Diagnostics, without a goal: `idToken`;
 * `sessionEmulator`, the emulator's unsigned cookies, verified the emulator's way (an Auth call
 * per verification); `apiKeyNoAudit`, API keys with the audit entry switched off.
 */
const HTTP_KINDS = ['apiKey', 'apiKeyNoAudit', 'accessToken', 'session', 'idToken', 'sessionEmulator', 'signature'];

interface Goal {
  metric: string;
  text: string;
  pass(v: number): boolean;
}

export const GOALS: Goal[] = [
  // Medians over the rounds (issue 26); the range is in the table and in `…RatioMin`/`…RatioMax`.
  { metric: 'http.apiKeyRatio', text: '≥ 0.75', pass: (v) => v >= 0.75 },
  { metric: 'http.accessTokenRatio', text: '≥ 0.80', pass: (v) => v >= 0.8 },
  { metric: 'http.sessionRatio', text: '≥ 0.80', pass: (v) => v >= 0.8 },
  { metric: 'http.signatureRatio', text: '≥ 0.60', pass: (v) => v >= 0.6 },
  { metric: 'http.signatureToNonceFloor', text: '≥ 0.75', pass: (v) => v >= 0.75 },
  { metric: 'verify.apiKeyOpsPerSec', text: '≥ 300000', pass: (v) => v >= 300_000 },
  { metric: 'reject.malformedDatastoreReads', text: '= 0', pass: (v) => v === 0 },
  { metric: 'coldStart.ratio', text: '≤ 1.25', pass: (v) => v <= 1.25 },
  { metric: 'revocation.crossInstanceMs', text: '≤ 10000', pass: (v) => v <= 10_000 },
  { metric: 'revocation.crossInstanceP99Ms', text: '≤ 2000', pass: (v) => v <= 2000 },
  { metric: 'cost.sustainedReadsPerKeyPerHour', text: '≤ 1', pass: (v) => v <= 1 },
  { metric: 'cost.firestoreReadsPer1000', text: '≤ 1', pass: (v) => v <= 1 },
  { metric: 'cost.firestoreWritesPer1000', text: '≤ 100', pass: (v) => v <= 100 },
  { metric: 'cost.secretManagerCallsPer1000', text: '= 0', pass: (v) => v === 0 },
  { metric: 'cost.bytesPerLogEntry', text: '≤ 1024', pass: (v) => v <= 1024 },
  { metric: 'http.auditEntryCpuUs', text: '≤ 15', pass: (v) => v <= 15 },
  { metric: 'http.auditChainCpuUs', text: '≤ 2', pass: (v) => v <= 2 },
  { metric: 'http.accessLineBytes', text: '≤ 1024', pass: (v) => v <= 1024 },
];

/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Rounded for reading and diffing: no run repeats beyond these digits anyway. */
function round(v: number): number {
  if (!Number.isFinite(v) || Number.isInteger(v)) return v;
  const a = Math.abs(v);
  return a >= 1000 ? Math.round(v) : a >= 10 ? Math.round(v * 10) / 10 : Math.round(v * 1000) / 1000;
}

function tidy(value: unknown): unknown {
  if (typeof value === 'number') return round(value);
  if (Array.isArray(value)) return value.map(tidy);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, tidy((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** The metrics object written to results.json: `section.metric` names as in the issue. */
export function metrics(m: Measurements): Record<string, Record<string, unknown>> {
  const runs = m.http.runs;
  const rounds = m.http.rounds;
  const healthOf = (r: Record<string, HttpRun>) => (r.health!.rps + r.health2!.rps) / 2;
  const healthCpuOf = (r: Record<string, HttpRun>) => (r.health!.serverCpuUsPerRequest + r.health2!.serverCpuUsPerRequest) / 2;
  const healths = rounds.map(healthOf);
  const http: Record<string, unknown> = {
    rounds: rounds.length,
    healthRps: median(healths),
    healthRpsRounds: healths,
    healthP50Ms: runs.health!.p50Ms,
    healthP99Ms: runs.health!.p99Ms,
    healthCpuUsPerRequest: median(rounds.map(healthCpuOf)),
  };
  for (const kind of HTTP_KINDS) {
    const r = runs[kind]!;
    // Each round's ratio against that round's own health checks; the median and the range over rounds.
    const ratios = rounds.map((round) => round[kind]!.rps / healthOf(round));
    const cpuRatios = rounds.map((round) => healthCpuOf(round) / round[kind]!.serverCpuUsPerRequest);
    http[`${kind}Rps`] = median(rounds.map((round) => round[kind]!.rps));
    http[`${kind}Ratio`] = median(ratios);
    http[`${kind}RatioMin`] = Math.min(...ratios);
    http[`${kind}RatioMax`] = Math.max(...ratios);
    http[`${kind}RatioRounds`] = ratios;
    http[`${kind}P50Ms`] = r.p50Ms;
    http[`${kind}P99Ms`] = r.p99Ms;
    http[`${kind}CpuUsPerRequest`] = median(rounds.map((round) => round[kind]!.serverCpuUsPerRequest));
    // The same ratio from the server's CPU time per request: less swayed by other load on the machine.
    http[`${kind}CpuRatio`] = median(cpuRatios);
    http[`${kind}CpuRatioMin`] = Math.min(...cpuRatios);
    http[`${kind}CpuRatioMax`] = Math.max(...cpuRatios);
    http[`${kind}FirestoreWrites`] = rounds.reduce((n, round) => n + round[kind]!.firestoreWrites, 0);
  }
  http.signatureNonceWriteFloorOpsPerSec = m.http.nonceWrite.opsPerSec;
  http.signatureNonceWriteP50Ms = m.http.nonceWrite.p50Ms;
  http.signatureNonceWriteCpuUs = m.http.nonceWrite.cpuUsPerOp;
  http.signatureNonceCommitsPerWrite = m.http.nonceWrite.commitsPerOp;
  http.auditEntryCpuUs = m.http.auditCost.cpuUsPerEntry;
  http.auditChainCpuUs = m.http.auditCost.chainCpuUsPerEntry;
  http.accessLines = m.http.accessLines;
  http.accessLineBytes = m.http.accessLineBytes;
  // Signed requests against what the nonce write alone allows here: near 1, the floor is what limits them.
  http.signatureToNonceFloor = (http.signatureRps as number) / m.http.nonceWrite.opsPerSec;
  http.auditDropped = rounds.reduce((a, round) => a + Object.values(round).reduce((b, r) => b + r.auditDropped, 0), 0);
  http.accessSink = m.http.accessSink;
  http.loadavgBefore = m.http.loadavgBefore;
  http.loadavgAfter = m.http.loadavgAfter;

  const c = m.cost;
  const per = (n: number) => (n * 1000) / c.per1000.requests;
  return {
    http,
    verify: { ...m.verify },
    reject: { ...m.reject },
    coldStart: { ...m.coldStart },
    revocation: { ...m.revocation },
    cost: {
      activeKeys: c.keys,
      firestoreReadsPer1000: per(c.per1000.firestoreReads),
      firestoreWritesPer1000: per(c.per1000.firestoreWrites),
      secretManagerCallsPer1000: per(c.per1000.secretManagerCalls),
      loggingBytesPer1000: per(c.per1000.loggingBytes),
      loggingEntriesPer1000: per(c.per1000.loggingEntries),
      bytesPerLogEntry: c.bytesPerLogEntry,
      per1000ElapsedMs: c.per1000.elapsedMs,
      sustainedRps: c.sustained.rps,
      sustainedFirestoreReadsPer1000: (c.sustained.firestoreReads * 1000) / c.sustained.requests,
      sustainedFirestoreWritesPer1000: (c.sustained.firestoreWrites * 1000) / c.sustained.requests,
      sustainedFirestoreReadsPerKeyPerMinute: c.sustained.firestoreReadsPerKeyPerMinute,
      sustainedReadsPerKeyPerHour: c.sustained.readsPerKeyPerHour,
      feedReadsPerInstancePerHour: c.sustained.feedReadsPerInstancePerHour,
      sustained: c.sustained,
    },
    meta: m.meta,
  };
}

function get(obj: Record<string, Record<string, unknown>>, path: string): number {
  const [section, name] = path.split('.') as [string, string];
  return obj[section]![name] as number;
}

export function evaluate(out: Record<string, Record<string, unknown>>) {
  return GOALS.map((g) => {
    const value = get(out, g.metric);
    return { metric: g.metric, goal: g.text, value, pass: g.pass(value) };
  });
}

export function writeResults(file: string, out: Record<string, unknown>): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(tidy(out), null, 2) + '\n');
  renameSync(tmp, file);
}

const fmt = (v: unknown): string => {
  if (typeof v !== 'number') return String(v);
  const r = round(v);
  return Math.abs(r) >= 1000 ? Math.round(r).toLocaleString('en-US') : String(r);
};

/** The table: every goal with pass/fail, then the measurements that explain them. */
export function table(out: Record<string, Record<string, unknown>>, goals: ReturnType<typeof evaluate>): string {
  const rows: [string, string, string, string][] = [['metric', 'value', 'goal', 'result']];
  const byMetric = new Map(goals.map((g) => [g.metric, g]));
  const row = (metric: string, unit = '') => {
    const value = get(out, metric);
    const g = byMetric.get(metric);
    // A ratio over rounds: the median, then the lowest and highest round.
    const [min, max] = [out[metric.split('.')[0]!]![`${metric.split('.')[1]}Min`], out[metric.split('.')[0]!]![`${metric.split('.')[1]}Max`]];
    const range = typeof min === 'number' && typeof max === 'number' ? ` (${fmt(min)}–${fmt(max)})` : '';
    rows.push([metric, `${fmt(value)}${unit}${range}`, g?.goal ?? '', g ? (g.pass ? 'PASS' : 'FAIL') : '']);
  };
  row('http.healthRps', ' req/s');
  row('http.healthCpuUsPerRequest', ' µs');
  row('http.healthP50Ms', ' ms');
  row('http.healthP99Ms', ' ms');
  for (const kind of HTTP_KINDS) {
    row(`http.${kind}Rps`, ' req/s');
    row(`http.${kind}Ratio`);
    row(`http.${kind}CpuUsPerRequest`, ' µs');
    row(`http.${kind}CpuRatio`);
    row(`http.${kind}P50Ms`, ' ms');
    row(`http.${kind}P99Ms`, ' ms');
  }
  row('http.auditEntryCpuUs', ' µs');
  row('http.auditChainCpuUs', ' µs');
  row('http.accessLineBytes', ' B');
  row('http.signatureNonceWriteFloorOpsPerSec', ' ops/s');
  row('http.signatureNonceWriteP50Ms', ' ms');
  row('http.signatureNonceCommitsPerWrite');
  row('http.signatureToNonceFloor');
  row('verify.apiKeyOpsPerSec', ' ops/s');
  row('verify.apiKeyOpsPerCpuSec', ' ops/s');
  row('verify.accessTokenOpsPerSec', ' ops/s');
  row('verify.accessTokenOpsPerCpuSec', ' ops/s');
  row('reject.malformedDatastoreReads');
  row('coldStart.entryImportMs', ' ms');
  row('coldStart.bareImportMs', ' ms');
  row('coldStart.ratio');
  row('revocation.sameInstanceMs', ' ms');
  row('revocation.crossInstanceMs', ' ms');
  row('revocation.crossInstanceP50Ms', ' ms');
  row('revocation.crossInstanceP99Ms', ' ms');
  row('cost.firestoreReadsPer1000');
  row('cost.firestoreWritesPer1000');
  row('cost.secretManagerCallsPer1000');
  row('cost.loggingBytesPer1000', ' B');
  row('cost.sustainedFirestoreReadsPer1000');
  row('cost.sustainedFirestoreReadsPerKeyPerMinute');
  row('cost.sustainedReadsPerKeyPerHour');
  row('cost.feedReadsPerInstancePerHour');
  row('cost.bytesPerLogEntry', ' B');
  rows.push(['meta.node', String(out.meta!.node), '', '']);
  rows.push(['http.loadavgBefore', (out.http!.loadavgBefore as number[]).map((l) => l.toFixed(2)).join(' '), '', '']);
  rows.push(['http.loadavgAfter', (out.http!.loadavgAfter as number[]).map((l) => l.toFixed(2)).join(' '), '', '']);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}
