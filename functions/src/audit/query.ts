/**
 * The parameters of `GET /v1/audit` and `queryAuditLog`, as the query reads them. Pure. Every
 * value has been checked against an allow-list pattern by the contract's schema
 * (contract/requests.ts `AuditQuery`) before it gets here, so nothing unexpected reaches the
 * Logging filter (audit/filter.ts also quotes and escapes every value, as a second line).
 */
import { KeywardError } from '../errors';
import { parseIsoDate } from '../lib/iso-date';
import type { AuditEventName } from './events';

export interface AuditQuery {
  uid?: string;
  event?: AuditEventName;
  keyId?: string;
  /** RFC 3339, normalized to UTC (`toISOString`); both ends inclusive. */
  from?: string;
  to?: string;
  pageSize: number;
  pageToken?: string;
  /**
   * `all` (the default): every entry. `changes`: lifecycle events and every refusal, leaving out
   * successful access entries (`auth.success`), which are most of the trail.
   */
  kind?: 'all' | 'changes';
  /** A team's entries (label `team_id`): readable by its owners, admins and auditors (actions/audit-log.ts). */
  team?: string;
}

/** The query's parameters as the schema let them through: strings, and a callable's number of entries. */
export type AuditQueryParams = Omit<AuditQuery, 'pageSize' | 'kind'> & { pageSize?: number | string; kind?: 'all' | 'changes' };

export const DEFAULT_PAGE_SIZE = 50;

/** A validated date-time (`2024-05-01T12:00:00Z`, `…+02:00`) as a UTC ISO string. */
export const utcTime = (value: string): string => new Date(parseIsoDate(value, { time: 'required' })!).toISOString();

/** The query the audit log runs for validated parameters: times in UTC, the default page size. */
export function auditQuery(params: AuditQueryParams): AuditQuery {
  const { pageSize, kind, from, to, ...rest } = params;
  const query: AuditQuery = { ...rest, pageSize: pageSize === undefined ? DEFAULT_PAGE_SIZE : Number(pageSize) };
  if (from !== undefined) query.from = utcTime(from);
  if (to !== undefined) query.to = utcTime(to);
  if (kind === 'changes') query.kind = kind;
  return query;
}

/**
 * A query string as the input of a read's schema (audit, usage, verification). A repeated parameter is a 400 (never a
 * guess); `token` is the access-token credential (`?token=`), read by the credential pipeline.
 */
export function queryInput(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>; // `__proto__` is a name like any other
  for (const [name, value] of params) {
    if (name === 'token') continue;
    if (Object.prototype.hasOwnProperty.call(out, name)) throw new KeywardError('invalid_request', `${name.slice(0, 40)} is given more than once.`);
    out[name] = value;
  }
  return out;
}
