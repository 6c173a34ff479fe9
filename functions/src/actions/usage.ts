/**
 * `GET /v1/usage` and the `getUsage` callable: daily request and failure counts per key, from
 * the usage documents (store/usage.ts). Users read their own keys' usage; a request holding the
 * `auditor` role (or `admin`) reads anyone's. Another user's key is 404, as everywhere. A key may
 * read its own usage; other key-based credentials get 403, as for key management.
 */
import { hasClaims } from '../credentials/guard';
import { isInteractive, type Identity } from '../identity';
import { invalidField, KeywardError } from '../errors';
import { isKeyId } from '../keys/format';
import { utcDay, type UsageCounts } from '../keys/usage';
import type { UsageReport } from '../keys/usage-report';

export type { UsageReport };
import { ISO_DATE_HINT, parseIsoDate } from '../lib/iso-date';
import { onlyFields, type Body } from '../lib/validate';
import type { KeyStore } from '../keys/record';
import type { UsageStore } from '../store/usage';

export interface UsageReportDeps {
  store: UsageStore;
  keys: Pick<KeyStore, 'get'>;
  /** Writes this instance's pending counts first, so a caller sees their latest requests. */
  flush?: () => Promise<void>;
  /** The owner id (`team:<id>`) of a team the caller may read the usage of (any member), or 404 (actions/team-access.ts). */
  teamOwner?: (identity: Identity, teamId: string) => Promise<string>;
  now: () => number;
}


export const DEFAULT_USAGE_DAYS = 30;
export const MAX_USAGE_DAYS = 366;
const DAY_MS = 86_400_000;
const UID = /^[A-Za-z0-9_.:@-]{1,128}$/;

const bad = (message: string) => new KeywardError('invalid_request', message);

/** A date (`yyyy-mm-dd`) or a date-time with a zone (its UTC day); undefined when absent. */
export function parseDay(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'string' ? parseIsoDate(value) : undefined;
  if (ms === undefined) throw invalidField(field, `${field} must be ${ISO_DATE_HINT}.`);
  return utcDay(ms);
}

/** The days `from`..`to` inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS) out.push(utcDay(t));
  return out;
}

export function usageReport(deps: UsageReportDeps) {
  return {
    async query(identity: Identity, input: Body): Promise<UsageReport> {
      onlyFields(input, ['keyId', 'uid', 'team', 'from', 'to']);
      const today = utcDay(deps.now());
      const to = parseDay(input.to, 'to') ?? today;
      const from = parseDay(input.from, 'from') ?? utcDay(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_USAGE_DAYS - 1) * DAY_MS);
      if (from > to) throw bad('from must not be after to.');
      const span = daysBetween(from, to);
      if (span.length > MAX_USAGE_DAYS) throw bad(`The range may span at most ${MAX_USAGE_DAYS} days.`);

      const everyone = hasClaims(identity, { role: 'auditor' });
      const keyId = input.keyId;
      const uid = input.uid;
      if (keyId !== undefined && (typeof keyId !== 'string' || !isKeyId(keyId))) throw bad('keyId must be a key id (16 letters and digits).');
      if (uid !== undefined && (typeof uid !== 'string' || !UID.test(uid))) throw bad('uid must be a user id.');
      if (!isInteractive(identity) && (keyId === undefined || keyId !== identity.keyId)) {
        throw new KeywardError('interactive_credential_required', 'Usage is read with a session cookie or an ID token; a key may read only its own.');
      }

      if (input.team !== undefined && uid !== undefined) throw bad('Send uid or team, not both.');
      if (input.team !== undefined && (typeof input.team !== 'string' || !deps.teamOwner)) throw new KeywardError('not_found', 'No such team.');
      const team = input.team === undefined ? undefined : await deps.teamOwner!(identity, input.team as string);
      let owner: string;
      if (keyId !== undefined) {
        const record = await deps.keys.get(keyId);
        if (!record || (record.ownerUid !== identity.uid && record.ownerUid !== team && !everyone)) throw new KeywardError('not_found', 'No such key.');
        owner = record.ownerUid;
      } else if (team !== undefined) {
        owner = team;
      } else {
        owner = uid ?? identity.uid;
        if (owner !== identity.uid && !everyone) throw new KeywardError('forbidden', "You can read only your own keys' usage; other users' needs the auditor role.");
      }

      await deps.flush?.().catch(() => undefined);
      const docs = await deps.store.query(keyId !== undefined ? { keyId } : { ownerUid: owner }, from, to);
      return summarize(docs, span, { from, to, uid: owner, keyId: keyId ?? null });
    },
  };
}

/** Pure: the documents read, summed per day and per key. */
export function summarize(
  docs: Array<{ keyId: string; day: string } & UsageCounts>,
  span: string[],
  head: Pick<UsageReport, 'from' | 'to' | 'uid' | 'keyId'>,
): UsageReport {
  const perDay = new Map(span.map((day) => [day, { day, requests: 0, failures: 0 }]));
  const perKey = new Map<string, { keyId: string } & UsageCounts>();
  const totals = { requests: 0, failures: 0 };
  for (const d of docs) {
    const day = perDay.get(d.day);
    if (!day) continue;
    const key = perKey.get(d.keyId) ?? { keyId: d.keyId, requests: 0, failures: 0 };
    for (const c of [day, key, totals]) {
      c.requests += d.requests;
      c.failures += d.failures;
    }
    perKey.set(d.keyId, key);
  }
  return { ...head, totals, days: [...perDay.values()], keys: [...perKey.values()].sort((a, b) => b.requests - a.requests) };
}

export type UsageReporter = ReturnType<typeof usageReport>;
