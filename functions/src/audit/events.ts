/**
 * The audit trail's vocabulary: a closed set of dotted event names in one envelope, and the sink
 * every emitter writes to. Pure: no Google client here (audit/cloud-logging.ts is the edge).
 *
 * Emitters describe what happened; the sink stamps the time, redacts and sanitizes every string
 * (audit/redact.ts) and writes. Nothing an emitter passes is trusted to be safe to log.
 */
import type { AuthMethod } from '../identity';
import type { RequestContext } from '../request';

export const AUDIT_EVENTS = [
  'session.create',
  'session.revoke',
  'key.create',
  'key.revoke',
  'key.regenerate',
  'key.update',
  'token.issue',
  'auth.success',
  'auth.failure',
  'role.grant',
  // A key revoked (or found already revoked) on a secret-scanning report: location holds where it leaked.
  'key.leak',
  'key.exposure',
  // A notice to a key's owner (a leak, an expiry soon): reason says which channel, outcome how it went.
  'notification.send',
  'key.limit',
  'key.update',
  // An owner's own limits and credits, shared by all their keys, were changed (actions/owner-limits.ts).
  'limits.update',
  // An owner's notification webhook was set (reason `set <scheme://host>`, never its path or secret) or removed.
  'webhook.update',
  // One attempt of a webhook delivery (reason `<event> <delivery id> attempt <n>: HTTP <status>` or the error), from the task queue.
  'webhook.delivery',
  // An owner's webhook was disabled: it answered 410, or failed for 5 days. The owner is mailed.
  'webhook.disable',
  // An owner asked for one more attempt of a delivery from the log.
  'webhook.retry',
  // A request refused after it authenticated (403, or 404 on someone else's resource): reason is the code.
  'access.denied',
  // Teams (actions/teams.ts, actions/invitations.ts): target.team names the team, target.uid and role the member.
  'team.create',
  'team.update',
  'team.delete',
  'team.member.add',
  'team.member.remove',
  'team.member.role',
  'team.invite',
  'team.accept',
  'team.withdraw',
  'team.grants',
] as const;
export type AuditEventName = (typeof AUDIT_EVENTS)[number];

export function isAuditEventName(value: unknown): value is AuditEventName {
  return typeof value === 'string' && (AUDIT_EVENTS as readonly string[]).includes(value);
}

/**
 * `success`: it happened. `failure`: refused (bad credential, not allowed). `error`: it could not
 * be decided because something on our side failed (a dependency down): a fault, not the caller's.
 */
export const AUDIT_OUTCOMES = ['success', 'failure', 'error'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/**
 * Who acted: the uid, how they authenticated, and the key they used. `admin_cli` for `npm run
 * admin`; `secret_scanning` for a scanner's report; `scheduler` for Keyward's scheduled work.
 */
export interface AuditActor {
  uid?: string;
  method?: AuthMethod | 'admin_cli' | 'secret_scanning' | 'scheduler';
  keyId?: string;
}

/** What was acted on (the subject): a user, a key, a role. */
export interface AuditTarget {
  uid?: string;
  keyId?: string;
  role?: string;
  /** An access token's `jti` (token.issue). */
  tokenId?: string;
  /** The team acted on, or that owns the key acted on (label `team_id`, `GET /v1/audit?team=`). */
  team?: string;
}

/** Where from. Never headers that carry credentials, never the query string (`?token=`). */
export interface AuditRequest {
  ip: string;
  userAgent: string;
  origin?: string;
  method: string;
  path: string;
  requestId: string;
}

export interface AuditEvent {
  event: AuditEventName;
  outcome: AuditOutcome;
  actor: AuditActor;
  target?: AuditTarget;
  request?: AuditRequest;
  /** A short code or phrase (an error code, `grace period 60s`); never a credential. */
  reason?: string;
  /** Where a credential was found (`key.leak`): the scanner's URL of the match, and its source. */
  location?: AuditLocation;
}

export interface AuditLocation {
  url?: string;
  source?: string;
}

/** What emitters use. */
export interface AuditSink {
  /**
   * Lifecycle events (key.*, session.*, token.issue, role.grant): written before the response
   * returns. Rejects when the entry could not be written: the caller undoes its change and
   * answers 503 (fail closed).
   */
  record(event: AuditEvent): Promise<void>;
  /**
   * Access events (auth.*, refusals): one structured log line each, written synchronously before
   * this returns (audit/access-line.ts); never blocks on I/O, never throws.
   */
  access(event: AuditEvent): void;
  /** The local stack only: waits until access lines written so far reached the Logging emulator (tests, reads). */
  flush(): Promise<void>;
}

export interface AuditSinkStats {
  /** Access lines written (one per access event). */
  accessLines: number;
  /** Access lines the local transport has yet to deliver to the Logging emulator (0 in production). */
  buffered: number;
  /** Entries written (access and lifecycle). */
  written: number;
  /** Access entries lost: malformed, or (local stack) not delivered to the Logging emulator. */
  dropped: number;
  /** Logging API write calls made, and how many failed (lifecycle, and the local transport's). */
  writes: number;
  failedWrites: number;
  /** Lifecycle entries that could not be written (their operation was refused with 503). */
  failedRecords: number;
}

/** The sink as the runtime, the CLI and the benchmarks hold it. */
export interface ManagedAuditSink extends AuditSink {
  stats(): AuditSinkStats;
  /** Writes this writer's final checkpoint (audit/checkpointer.ts), best effort: SIGTERM, before `close`. */
  seal(): Promise<void>;
  /** Waits for the local transport, writes the final checkpoint and releases the client (end of a CLI command, tests). */
  close(): Promise<void>;
}

export function auditRequest(info: RequestContext): AuditRequest {
  return {
    ip: info.ip,
    userAgent: info.userAgent,
    origin: info.origin,
    method: info.method,
    path: info.path,
    requestId: info.requestId,
  };
}

/** A plain sink (a test's) as a managed one: nothing to release. */
export function managedSink(sink: AuditSink): ManagedAuditSink {
  const m = sink as Partial<ManagedAuditSink>;
  if (m.stats && m.close) return sink as ManagedAuditSink;
  return {
    record: (e) => sink.record(e),
    access: (e) => sink.access(e),
    flush: () => sink.flush(),
    stats: () => ({ accessLines: 0, buffered: 0, written: 0, dropped: 0, writes: 0, failedWrites: 0, failedRecords: 0 }),
    seal: async () => undefined,
    close: () => sink.flush(),
  };
}
