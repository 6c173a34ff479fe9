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
