/**
 * A change is audited before it is answered: when the lifecycle entry cannot be written, the
 * change is undone and the caller gets 503 (fail closed). Shared by every action that changes
 * state (keys, owner limits).
 */
import type { AuditEvent, AuditSink } from '../audit/events';
import { KeywardError } from '../errors';

/** Writes the audit entry of a change, undoing the change when the log cannot be written. */
export async function auditedChange(audit: Pick<AuditSink, 'record'>, event: AuditEvent, undo: () => Promise<unknown>): Promise<void> {
  try {
    await audit.record(event);
  } catch {
    await undo().catch(() => undefined);
    throw new KeywardError('unavailable', 'The audit log is unavailable, so nothing was changed; try again shortly.', { retryAfterSeconds: 5 });
  }
}

/**
 * Writes the audit entry of a change that must stand (a removal, a deletion, a revocation): a
 * failed write is logged for operators with the request id, never undoes the change.
 */
export async function auditedAfter(audit: Pick<AuditSink, 'record'>, event: AuditEvent): Promise<void> {
  try {
    await audit.record(event);
  } catch (err) {
    const cause = err instanceof Error ? err.message : String(err);
    console.error(JSON.stringify({ severity: 'ERROR', message: `The audit entry ${event.event} could not be written; the change stands.`, event: event.event, requestId: event.request?.requestId, cause }));
  }
}
