/** The audit views: filters and their URL, the callable's data, CSV export, and a verification in words. Pure. */
import type { Problem as VerifyProblem, VerifyReport } from '../../../functions/src/audit/verify';
import { count } from './words';

/** `GET /v1/audit/verify`'s answer (the server's own types). */
export type { VerifyProblem, VerifyReport };

export interface AuditFilters {
  uid?: string;
  event?: string;
  keyId?: string;
  from?: string;
  to?: string;
  pageSize?: number;
  pageToken?: string;
  /** `changes` leaves out successful access entries (auth.success): the default view. */
  kind?: 'all' | 'changes';
}

/** The audit filters a URL can carry (`#audit?event=key.create&access=1`): bookmarkable, never a secret. */
export interface AuditUrlState {
  uid?: string;
  event?: string;
  keyId?: string;
  from?: string;
  to?: string;
  /** Show every access entry too. */
  access?: boolean;
}

const URL_FIELDS = ['uid', 'event', 'keyId', 'from', 'to'] as const;

export function auditStateToQuery(state: AuditUrlState): string {
  const params = new URLSearchParams();
  for (const name of URL_FIELDS) if (state[name]) params.set(name, state[name]!);
  if (state.access) params.set('access', '1');
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function auditStateFromQuery(query: string): AuditUrlState {
  const params = new URLSearchParams(query.replace(/^\?/, ''));
  const state: AuditUrlState = {};
  for (const name of URL_FIELDS) {
    const value = params.get(name);
    if (value) state[name] = value.slice(0, 200);
  }
  if (params.get('access') === '1') state.access = true;
  return state;
}

/** The query for a state: without an event or the access toggle, successful access entries are left out. */
export function auditFiltersOf(state: AuditUrlState, pageSize: number): AuditFilters {
  return {
    uid: state.uid,
    event: state.event,
    keyId: state.keyId,
    from: state.from,
    to: state.to,
    pageSize,
    kind: state.access || state.event ? undefined : 'changes',
  };
}

/** A CSV cell: quoted when needed; a leading = + - @ is defused so a spreadsheet never runs it as a formula. */
export function csvCell(value: unknown): string {
  let text = value === undefined || value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export interface ExportEntry {
  timestamp: string;
  event: string;
  outcome: string;
  actor?: { uid?: string; method?: string; keyId?: string };
  target?: { uid?: string; keyId?: string; role?: string };
  request?: { ip?: string; userAgent?: string; origin?: string; method?: string; path?: string; requestId?: string };
  reason?: string;
}

const CSV_COLUMNS: ReadonlyArray<[string, (e: ExportEntry, users: Record<string, string>) => unknown]> = [
  ['timestamp', (e) => e.timestamp],
  ['event', (e) => e.event],
  ['outcome', (e) => e.outcome],
  ['actor_uid', (e) => e.actor?.uid],
  ['actor_email', (e, u) => (e.actor?.uid ? u[e.actor.uid] : undefined)],
  ['actor_method', (e) => e.actor?.method],
  ['actor_key_id', (e) => e.actor?.keyId],
  ['target_uid', (e) => e.target?.uid],
  ['target_email', (e, u) => (e.target?.uid ? u[e.target.uid] : undefined)],
  ['target_key_id', (e) => e.target?.keyId],
  ['target_role', (e) => e.target?.role],
  ['reason', (e) => e.reason],
  ['ip', (e) => e.request?.ip],
  ['method', (e) => e.request?.method],
  ['path', (e) => e.request?.path],
  ['origin', (e) => e.request?.origin],
  ['user_agent', (e) => e.request?.userAgent],
  ['request_id', (e) => e.request?.requestId],
];

/** Audit entries as CSV (RFC 4180, CRLF line ends), emails beside uids where known. */
export function auditCsv(entries: ExportEntry[], users: Record<string, string> = {}): string {
  const lines = [CSV_COLUMNS.map(([name]) => name).join(',')];
  for (const e of entries) lines.push(CSV_COLUMNS.map(([, get]) => csvCell(get(e, users))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** The data of the `queryAuditLog` callable: empty filters are left out (the API refuses empty strings). */
export function auditData(filters: AuditFilters): Record<string, string | number> {
  const data: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(filters)) {
    if (value !== undefined && value !== '') data[name] = value as string | number;
  }
  return data;
}

/** The API's closed set of audit events (one list for server and console). */
export { AUDIT_EVENTS } from '../../../functions/src/audit/events';

/** The range a verification covers: the search's own, else what the API defaults to (a day before `to`, `to` now). */
export function verifyRange(state: { from?: string; to?: string }, now: Date): { from: string; to: string } {
  const to = state.to ?? now.toISOString();
  const from = state.from ?? new Date(Date.parse(to) - 86_400_000).toISOString();
  return { from, to };
}

/** Kinds that are not tampering: reported, and `ok` stays true (docs/audit.md#verifying). */
const NOT_TAMPERING = new Set(['unfinished']);

/** A verification in words: the verdict line, the counts, and one line per problem with its place. */
export function verificationSummary(report: VerifyReport): { verdict: string; counts: string; problems: Array<{ kind: string; tampering: boolean; text: string }> } {
  const tampering = report.problems.filter((p) => !NOT_TAMPERING.has(p.kind)).length;
  const notes = report.problems.length - tampering;
  const plural = (n: number, one: string, many: string) => `${count(n)} ${n === 1 ? one : many}`;
  const verdict = report.ok
    ? `Verified: no sign of tampering${notes ? ` (${plural(notes, 'note', 'notes')} below)` : ''}.`
    : `Not verified: ${plural(tampering, 'problem', 'problems')} found.`;
  const counts = [
    plural(report.entries, 'entry', 'entries'),
    `in ${plural(report.chains, 'chain', 'chains')}`,
    plural(report.checkpoints, 'signed checkpoint', 'signed checkpoints'),
    `${count(report.pending)} pending (not yet covered by a checkpoint: verify again in a minute)`,
  ];
  return { verdict, counts: `${counts[0]} ${counts[1]}, ${counts[2]}, ${counts[3]}.`, problems: report.problems.map((p) => ({ kind: p.kind, tampering: !NOT_TAMPERING.has(p.kind), text: problemPlace(p) })) };
}

/** Where a problem is: chain, sequence numbers, store, entry; then what it is. */
export function problemPlace(p: VerifyProblem): string {
  const parts: string[] = [];
  if (p.chain) parts.push(`chain ${p.chain}`);
  if (p.seq !== undefined) parts.push(p.toSeq !== undefined && p.toSeq !== p.seq ? `seq ${p.seq}–${p.toSeq}` : `seq ${p.seq}`);
  if (p.store) parts.push(`store ${p.store}`);
  if (p.insertId) parts.push(`entry ${p.insertId}`);
  if (p.timestamp) parts.push(`at ${p.timestamp}`);
  return `${parts.length ? `${parts.join(', ')}: ` : ''}${p.message}`;
}
