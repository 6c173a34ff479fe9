/**
 * Verifying the audit trail in place: `GET /v1/audit/verify?from=&to=` (auditors), and the export
 * an auditor verifies offline (`GET /v1/audit/export`, `npm run audit:verify`). Reads the range's
 * entries, oldest first, 1000 a page (Cloud Logging's entries.list quota is 60 a minute per
 * project: a day of a busy trail is a few dozen pages), the checkpoints of both stores from an hour
 * before `from` to an hour after `to` (the ones after `to` cover its last entries), then checks them
 * all (audit/verify.ts).
 */
import type { JWK } from 'jose';
import { hasClaims } from '../credentials/guard';
import type { Identity } from '../identity';
import { KeywardError } from '../errors';
import type { ListEntries, RawEntry } from '../audit/entry';
import type { AuditReads } from '../audit/read-cache';
import { trailClause, quote } from '../audit/filter';
import { utcTime } from '../audit/query';
import { parseRequest } from '../contract/parse';
import { verifyTrail, type StoredCheckpoint, type TrailEntry, type VerifyReport } from '../audit/verify';
import { auditReadError } from './audit-log';

export interface AuditVerifyDeps {
  projectId: string;
  logName: string;
  /** The function-kit instance (config.ts), whose access lines are its own. */
  instance?: string;
  checkpointLogName: string;
  list: ListEntries;
  /** Budgets and caches every `list` call, each page one of the project's (audit/read-cache.ts). */
  reads?: AuditReads;
  /** Charges the caller's own read budget once per verification or export (limits/audit-read-limiter.ts). */
  chargeCaller?: (uid: string) => Promise<void>;
  /** Checkpoints in Firestore (store/audit-checkpoints.ts). */
  firestoreCheckpoints: (from: string, to: string, limit: number) => Promise<string[]>;
  jwks: () => Promise<JWK[]>;
  flush?: () => Promise<void>;
  intervalMs: number;
  now: () => number;
}

/** The export file: what `npm run audit:verify` checks with the public keys alone (docs/audit.md#exports). */
export interface AuditExport {
  format: 'keyward-audit-export/1';
  exportedAt: string;
  from: string;
  to: string;
  entries: TrailEntry[];
  checkpoints: StoredCheckpoint[];
  /** Keyward's own verdict when it exported (an auditor recomputes it). */
  verification: VerifyReport;
}

const PAGE = 1000;
/** Most entries one verification reads: beyond, narrow the range (a 400, never a partial answer). */
const MAX_ENTRIES = 100_000;
const MAX_CHECKPOINTS = 20_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const bad = (message: string) => new KeywardError('invalid_request', message);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const iso = (t: RawEntry['timestamp']): string | undefined => {
  const d = t instanceof Date ? t : typeof t === 'string' ? new Date(t) : undefined;
  return d && !Number.isNaN(d.getTime()) ? d.toISOString() : undefined;
};

export function auditVerifier(deps: AuditVerifyDeps) {
  function range(input: Record<string, unknown>): { from: string; to: string } {
    // The same fields and rules as `GET /v1/audit` (contract/requests.ts); by default the last day.
    const asked = parseRequest('range', input);
    const to = asked.to !== undefined ? utcTime(asked.to) : new Date(deps.now()).toISOString();
    const from = asked.from !== undefined ? utcTime(asked.from) : new Date(Date.parse(to) - DAY).toISOString();
    if (from > to) throw bad('from must not be after to.');
    return { from, to };
  }

  async function all(uid: string, filter: string, max: number, what: string): Promise<RawEntry[]> {
    const list = deps.reads ? deps.reads({ uid, everyone: true, callerCharged: deps.chargeCaller !== undefined }, deps.list) : deps.list;
    const out: RawEntry[] = [];
    let pageToken: string | undefined;
    do {
      const page = await list({ filter, pageSize: PAGE, pageToken, order: 'asc' }).catch((err: unknown) => {
        throw auditReadError(err);
      });
      out.push(...page.entries);
      if (out.length > max) throw bad(`The range holds more than ${max} ${what}: verify a shorter one.`);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out;
  }

  async function collect(uid: string, from: string, to: string): Promise<Omit<AuditExport, 'format' | 'verification'>> {
    await deps.chargeCaller?.(uid);
    await deps.flush?.().catch(() => undefined);
    const cpFrom = new Date(Date.parse(from) - HOUR).toISOString();
    const cpTo = new Date(Date.parse(to) + HOUR).toISOString();
    const cpLog = `projects/${deps.projectId}/logs/${encodeURIComponent(deps.checkpointLogName)}`;
    const [raw, cpRaw, fsJws] = await Promise.all([
      all(uid, `${trailClause(deps.projectId, deps.logName, deps.instance)} AND timestamp >= ${quote(from)} AND timestamp <= ${quote(to)}`, MAX_ENTRIES, 'entries'),
      all(uid, `logName = ${quote(cpLog)} AND timestamp >= ${quote(cpFrom)} AND timestamp <= ${quote(cpTo)}`, MAX_CHECKPOINTS, 'checkpoints'),
      deps.firestoreCheckpoints(cpFrom, cpTo, MAX_CHECKPOINTS + 1),
    ]);
    const entries: TrailEntry[] = [];
    for (const r of raw) {
      const timestamp = iso(r.timestamp);
      if (!timestamp || !isObject(r.data)) continue;
      entries.push({ timestamp, severity: typeof r.severity === 'string' ? r.severity : String(r.severity ?? ''), insertId: r.insertId ?? undefined, payload: r.data });
    }
    const checkpoints: StoredCheckpoint[] = [
      ...cpRaw.flatMap((r) => (isObject(r.data) && typeof r.data.jws === 'string' ? [{ store: 'logging' as const, jws: r.data.jws }] : [])),
      ...fsJws.map((jws) => ({ store: 'firestore' as const, jws })),
    ];
    return { exportedAt: new Date(deps.now()).toISOString(), from, to, entries, checkpoints };
  }

  const check = async (data: Omit<AuditExport, 'format' | 'verification'>): Promise<VerifyReport> =>
    verifyTrail({ ...data, stores: ['logging', 'firestore'], jwks: await deps.jwks(), now: Date.parse(data.exportedAt), pendingMs: 2 * deps.intervalMs });

  function auditorOnly(identity: Identity): void {
    if (!hasClaims(identity, { role: 'auditor' })) throw new KeywardError('forbidden', 'Verifying the audit trail needs the auditor role.');
  }

  return {
    async verify(identity: Identity, input: Record<string, unknown>): Promise<VerifyReport> {
      auditorOnly(identity);
      const { from, to } = range(input);
      return check(await collect(identity.uid, from, to));
    },
    async export(identity: Identity, input: Record<string, unknown>): Promise<AuditExport> {
      auditorOnly(identity);
      const { from, to } = range(input);
      const data = await collect(identity.uid, from, to);
      return { format: 'keyward-audit-export/1', ...data, verification: await check(data) };
    },
  };
}

export type AuditVerifier = ReturnType<typeof auditVerifier>;
