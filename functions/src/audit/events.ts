/** The audit trail's vocabulary: a closed set of dotted event names in one envelope. */
import type { AuthMethod } from '../credentials/identity';
import type { RequestInfo } from '../http/request-info';

export const AUDIT_EVENTS = [
  'session.create',
  'session.revoke',
  'key.create',
  'key.revoke',
  'key.regenerate',
  'token.issue',
  'auth.success',
  'auth.failure',
  'role.grant',
] as const;
export type AuditEventName = (typeof AUDIT_EVENTS)[number];

export interface AuditActor {
  uid?: string;
  method?: AuthMethod | 'admin_cli';
  keyId?: string;
}

export interface AuditTarget {
  uid?: string;
  keyId?: string;
  role?: string;
}

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
  outcome: 'success' | 'failure';
  actor: AuditActor;
  target?: AuditTarget;
  request?: AuditRequest;
  reason?: string;
}

export interface AuditSink {
  /** Lifecycle events: written before the response returns; rejects (fail closed) when the log is down. */
  record(event: AuditEvent): Promise<void>;
  /** Access events: queued and written in batches; never blocks the request. */
  access(event: AuditEvent): void;
  /** Writes whatever is queued (called after each response and at shutdown). */
  flush(): Promise<void>;
}

export function auditRequest(info: RequestInfo): AuditRequest {
  return {
    ip: info.ip,
    userAgent: info.userAgent,
    origin: info.origin,
    method: info.method,
    path: info.path,
    requestId: info.requestId,
  };
}

/** For unit tests and tools: keeps events in memory. */
export function memoryAuditSink(): AuditSink & { events: AuditEvent[] } {
  const events: AuditEvent[] = [];
  return {
    events,
    async record(e) {
      events.push(e);
    },
    access(e) {
      events.push(e);
    },
    async flush() {},
  };
}
