/**
 * Reading the audit trail: `GET /v1/audit` and the `queryAuditLog` callable.
 *
 * Who sees what: a user sees the entries in which they are the actor or the target; a request
 * whose grants include `auditor` or `admin` (credentials/guard.ts: the user's current roles,
 * narrowed by the key's scopes) sees everyone's. A user who asks for another user's entries
 * (`uid`) gets 403 rather than a silently different answer. The visibility rule is applied twice:
 * in the Logging filter, and again on every entry read back, with exact (case-sensitive)
 * comparisons: Cloud Logging compares strings without regard to case, uids do not.
 */
import { hasClaims } from '../credentials/guard';
import type { Identity } from '../identity';
import { KeywardError, unavailable } from '../errors';
import { entryView, type AuditEntryView, type EntryPage, type ListEntries } from '../audit/entry';
import { buildAuditFilter } from '../audit/filter';
import { parseAuditQuery, type AuditQuery } from '../audit/query';

export interface AuditLogDeps {
  projectId: string;
  logName: string;
  /** The function-kit instance (config.ts), whose access lines are its own. */
  instance?: string;
  list: ListEntries;
  /** The local stack: waits for this instance's pending access lines first, so a caller sees their own latest requests. */
  flush?: () => Promise<void>;
  /** A user's email, where known (the console shows it next to the uid). */
  emailOf?: (uid: string) => Promise<string | undefined>;
  /** Refuses (404, 403) a caller who may not read the team's trail (actions/team-access.ts); without it, `team` is 404. */
  teamReader?: (identity: Identity, teamId: string) => Promise<void>;
}

export interface AuditPage {
  entries: AuditEntryView[];
  /** Pass back as `pageToken` for the next (older) page; null on the last page. */
  nextPageToken: string | null;
  /** Emails of the uids on this page, where known; a user who is not an auditor gets only their own. */
  users: Record<string, string>;
}

const INVALID_ARGUMENT = 3;
const RESOURCE_EXHAUSTED = 8;
/** Cloud Logging counts entries.list per minute (60 per project): the next minute is the earliest hope. */
const QUOTA_RETRY_SECONDS = 60;

/**
 * Cloud Logging's own quota (gRPC RESOURCE_EXHAUSTED) is the caller's wait, not Keyward's fault:
 * a 429 with `Retry-After`, never a 503. Shared with the verify and export reads (actions/audit-verify.ts).
 */
export function auditReadError(err: unknown): KeywardError {
  if ((err as { code?: unknown }).code === RESOURCE_EXHAUSTED) {
    return new KeywardError('rate_limited', "The project's audit log read quota is spent for now; try again in a minute.", { retryAfterSeconds: QUOTA_RETRY_SECONDS });
  }
  return unavailable('The audit log is unavailable; try again shortly.', err);
}

function matches(e: AuditEntryView, q: AuditQuery, onlyUid: string | undefined): boolean {
  const involves = (uid: string) => e.actor.uid === uid || e.target.uid === uid;
  if (onlyUid !== undefined && !involves(onlyUid)) return false;
  if (q.uid !== undefined && !involves(q.uid)) return false;
  if (q.event !== undefined && e.event !== q.event) return false;
  if (q.kind === 'changes' && e.event === 'auth.success') return false;
  if (q.team !== undefined && e.target.team !== q.team) return false;
  if (q.keyId !== undefined && e.target.keyId !== q.keyId && e.actor.keyId !== q.keyId) return false;
  if (q.from !== undefined && e.timestamp < q.from) return false;
  return q.to === undefined || e.timestamp <= q.to;
}

function listError(err: unknown): KeywardError {
  if ((err as { code?: unknown }).code === INVALID_ARGUMENT) {
    // The filter is ours and valid: what Cloud Logging refuses is the caller's page token.
    return new KeywardError('invalid_request', 'pageToken is not valid for this query; start again without it.');
  }
  return auditReadError(err);
}

export function auditLog(deps: AuditLogDeps) {
  /** Best effort, from the cached user directory: an unknown or unreachable user is just a uid. */
  async function emails(entries: AuditEntryView[], onlyUid: string | undefined): Promise<Record<string, string>> {
    const uids = new Set(entries.flatMap((e) => [e.actor.uid, e.target.uid]).filter((u): u is string => u !== undefined && (onlyUid === undefined || u === onlyUid)));
    const out: Record<string, string> = {};
    if (!deps.emailOf) return out;
    await Promise.all(
      [...uids].slice(0, 100).map(async (uid) => {
        const email = await deps.emailOf!(uid).catch(() => undefined);
        if (email) out[uid] = email;
      }),
    );
    return out;
  }

  return {
    async query(identity: Identity, input: Record<string, unknown>): Promise<AuditPage> {
      const query = parseAuditQuery(input);
      // A team's trail is the team's readers' (its owners, admins, auditors; project auditors): all of its entries.
      if (query.team !== undefined) {
        if (!deps.teamReader) throw new KeywardError('not_found', 'No such team.');
        await deps.teamReader(identity, query.team);
      }
      const everyone = query.team !== undefined || hasClaims(identity, { role: 'auditor' });
      if (!everyone && query.uid !== undefined && query.uid !== identity.uid) {
        throw new KeywardError('forbidden', "You can read only your own audit entries; reading other users' needs the auditor role.");
      }
      const onlyUid = everyone ? undefined : identity.uid;
      let filter: string;
      try {
        filter = buildAuditFilter({ projectId: deps.projectId, logName: deps.logName, instance: deps.instance, query, onlyUid });
      } catch {
        throw new KeywardError('invalid_request', 'This user id cannot be used in an audit query.');
      }
      await deps.flush?.().catch(() => undefined);
      let page: EntryPage;
      try {
        page = await deps.list({ filter, pageSize: query.pageSize, pageToken: query.pageToken });
      } catch (err) {
        throw listError(err);
      }
      const entries: AuditEntryView[] = [];
      for (const raw of page.entries) {
        const view = entryView(raw);
        if (view && matches(view, query, onlyUid)) entries.push(view);
      }
      return { entries, nextPageToken: page.nextPageToken || null, users: await emails(entries, everyone ? undefined : identity.uid) };
    },
  };
}

export type AuditLog = ReturnType<typeof auditLog>;
