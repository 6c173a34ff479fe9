/**
 * The parameters of `GET /v1/audit` and `queryAuditLog`, validated. Pure. Every value is checked
 * against an allow-list pattern here, so nothing unexpected reaches the Logging filter
 * (audit/filter.ts also quotes and escapes every value, as a second line).
 */
import { invalidField, KeywardError } from '../errors';
import { isKeyId } from '../keys/format';
import { ISO_DATE_TIME_HINT, parseIsoDate } from '../lib/iso-date';
import { onlyFields } from '../lib/validate';
import { AUDIT_EVENTS, isAuditEventName, type AuditEventName } from './events';

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

export const AUDIT_QUERY_FIELDS = ['uid', 'event', 'keyId', 'from', 'to', 'pageSize', 'pageToken', 'kind', 'team'] as const;
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;
const MAX_PAGE_TOKEN = 2048;

/** Firebase uids as Keyward accepts them in `On-Behalf-Of` (credentials/pipeline.ts). */
const UID = /^[A-Za-z0-9_.:@-]{1,128}$/;
const PAGE_TOKEN = /^[A-Za-z0-9+/=_.~-]+$/;

const bad = (message: string) => new KeywardError('invalid_request', message);

function text(input: Record<string, unknown>, field: string): string | undefined {
  const value = input[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw invalidField(field, `${field} must be a non-empty string.`);
  return value;
}

/** An ISO 8601 date-time with a zone (`2024-05-01T12:00:00Z`, `…+02:00`), as a UTC ISO string. */
export function parseTime(value: string, field: string): string {
  const ms = parseIsoDate(value, { time: 'required' });
  if (ms === undefined) throw invalidField(field, `${field} must be ${ISO_DATE_TIME_HINT}.`);
  return new Date(ms).toISOString();
}

/** An optional date-time field of a query (`from`, `to`), as a UTC ISO string. */
export function timeField(input: Record<string, unknown>, field: string): string | undefined {
  const value = text(input, field);
  return value === undefined ? undefined : parseTime(value, field);
}

function pageSize(value: unknown): number {
  if (value === undefined) return DEFAULT_PAGE_SIZE;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) throw bad(`pageSize must be a whole number from 1 to ${MAX_PAGE_SIZE}.`);
  return n;
}

export function parseAuditQuery(input: Record<string, unknown>): AuditQuery {
  onlyFields(input, AUDIT_QUERY_FIELDS);
  const query: AuditQuery = { pageSize: pageSize(input.pageSize) };
  const uid = text(input, 'uid');
  if (uid !== undefined) {
    if (!UID.test(uid)) throw bad('uid must be a user id (1 to 128 of A-Z a-z 0-9 _ . : @ -).');
    query.uid = uid;
  }
  const event = text(input, 'event');
  if (event !== undefined) {
    if (!isAuditEventName(event)) throw bad(`event must be one of ${AUDIT_EVENTS.join(', ')}.`);
    query.event = event;
  }
  const keyId = text(input, 'keyId');
  if (keyId !== undefined) {
    if (!isKeyId(keyId)) throw bad('keyId must be a key id (16 letters and digits).');
    query.keyId = keyId;
  }
  const from = timeField(input, 'from');
  const to = timeField(input, 'to');
  if (from !== undefined) query.from = from;
  if (to !== undefined) query.to = to;
  if (query.from && query.to && query.from > query.to) throw bad('from must not be after to.');
  const kind = text(input, 'kind');
  if (kind !== undefined) {
    if (kind !== 'all' && kind !== 'changes') throw bad('kind must be all or changes.');
    if (kind === 'changes') query.kind = kind;
  }
  const team = text(input, 'team');
  if (team !== undefined) {
    if (!/^[A-Za-z0-9]{16}$/.test(team)) throw bad('team must be a team id (16 letters and digits).');
    query.team = team;
  }
  const token = text(input, 'pageToken');
  if (token !== undefined) {
    if (token.length > MAX_PAGE_TOKEN || !PAGE_TOKEN.test(token)) throw bad('pageToken is not a page token this API returned.');
    query.pageToken = token;
  }
  return query;
}

/**
 * A query string as the input of `parseAuditQuery`. A repeated parameter is a 400 (never a
 * guess); `token` is the access-token credential (`?token=`), read by the credential pipeline.
 */
export function queryInput(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>; // `__proto__` is a name like any other
  for (const [name, value] of params) {
    if (name === 'token') continue;
    if (Object.prototype.hasOwnProperty.call(out, name)) throw bad(`${name.slice(0, 40)} is given more than once.`);
    out[name] = value;
  }
  return out;
}
