/**
 * The Cloud Logging filter behind `GET /v1/audit`. Pure. It is built only from a validated
 * AuditQuery (audit/query.ts) and the caller's visibility, never from text the caller wrote:
 * - the fields are fixed here (an allow-list: the log, labels, timestamp);
 * - every value is a double-quoted string literal with `\` and `"` escaped, and control
 *   characters are refused, so a value can never close its string and add a clause;
 * - each condition is its own parenthesized clause, joined by AND, and the visibility clause is
 *   always present for a caller who may only see their own entries, so no value can widen the
 *   result (Cloud Logging binds OR tighter than AND; the parentheses make that moot).
 * The trail is two logs: lifecycle entries in `keyward-audit`, access entries as stdout lines
 * labelled `keyward_audit=true` (audit/access-line.ts); the first clause selects both.
 */
import { ACCESS_LABEL, accessLogName, accessMark } from './access-line';
import type { AuditQuery } from './query';

/** Where no `from` is given: the epoch. An explicit bound also stops the client adding its default of "the last 24 hours". */
const BEGINNING = '1970-01-01T00:00:00Z';

/** A filter string literal. Throws on control characters (validated values never have them). */
export function quote(value: string): string {
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new TypeError('a filter value may not contain control characters');
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export interface FilterInput {
  projectId: string;
  logName: string;
  /** The function-kit instance whose access lines these are (audit/access-line.ts `accessMark`). */
  instance?: string;
  query: AuditQuery;
  /** Set for a caller who may read only their own entries: their uid. */
  onlyUid?: string;
}

/** The audit trail: the lifecycle log, and the labelled stdout lines. Also the log sink's filter (docs/audit.md). */
export function trailClause(projectId: string, logName: string, instance?: string): string {
  const lifecycle = `logName = ${quote(`projects/${projectId}/logs/${encodeURIComponent(logName)}`)}`;
  return `(${lifecycle} OR (logName = ${quote(accessLogName(projectId))} AND labels.${ACCESS_LABEL} = ${quote(accessMark(instance))}))`;
}

const involves = (uid: string) => `(labels.actor_uid = ${quote(uid)} OR labels.target_uid = ${quote(uid)})`;

export function buildAuditFilter({ projectId, logName, instance, query, onlyUid }: FilterInput): string {
  const clauses = [trailClause(projectId, logName, instance)];
  if (onlyUid !== undefined) clauses.push(involves(onlyUid));
  if (query.uid !== undefined) clauses.push(involves(query.uid));
  if (query.event !== undefined) clauses.push(`labels.event = ${quote(query.event)}`);
  if (query.kind === 'changes') clauses.push(`NOT labels.event = ${quote('auth.success')}`);
  if (query.team !== undefined) clauses.push(`labels.team_id = ${quote(query.team)}`);
  if (query.keyId !== undefined) clauses.push(`(labels.key_id = ${quote(query.keyId)} OR labels.actor_key_id = ${quote(query.keyId)})`);
  clauses.push(`timestamp >= ${quote(query.from ?? BEGINNING)}`);
  if (query.to !== undefined) clauses.push(`timestamp <= ${quote(query.to)}`);
  return clauses.join(' AND ');
}
