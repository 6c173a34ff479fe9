/**
 * Access entries (auth.success, auth.failure, refusals) as structured log lines. Pure.
 *
 * On Cloud Run functions a JSON line on stdout becomes a Cloud Logging entry of the log
 * `run.googleapis.com/stdout`: the fields Cloud Logging reserves become the entry's own
 * (`severity`, `timestamp` as seconds and nanos, `logging.googleapis.com/insertId`,
 * `logging.googleapis.com/labels`) and the rest is its jsonPayload, the same payload a lifecycle
 * entry of `keyward-audit` holds. The label `keyward_audit=true` is what the audit log sink and
 * `GET /v1/audit` select these lines by (docs/audit.md). `parseAccessLine` does what the platform
 * does with a line; the local transport (audit/local-transport.ts) uses it to deliver the same
 * entries to the Logging emulator.
 */
import type { PreparedEntry, Severity } from './entry';

/** Where Cloud Run puts stdout lines. */
export const ACCESS_LOG_ID = 'run.googleapis.com/stdout';
/** The label that marks a stdout line as an audit entry. */
export const ACCESS_LABEL = 'keyward_audit';

/**
 * Its value: `true`, or a function-kit instance's id (config.ts `instance`), so that instances
 * sharing a project's stdout log each read only their own lines.
 */
export const accessMark = (instance: string | undefined): string => instance ?? 'true';

const INSERT_ID = 'logging.googleapis.com/insertId';
const LABELS = 'logging.googleapis.com/labels';

/** The full log name of the access lines in a project (the id URL-encoded, as Cloud Logging writes it). */
export function accessLogName(projectId: string): string {
  return `projects/${projectId}/logs/${encodeURIComponent(ACCESS_LOG_ID)}`;
}

/** One line, newline-terminated. Every string in it went through the redactor (audit/entry.ts). */
export function accessLine(entry: PreparedEntry, instance?: string): string {
  const ms = entry.timestamp.getTime();
  return (
    JSON.stringify({
      severity: entry.severity,
      // Integer seconds and nanos: the millisecond is kept exactly (audit/cloud-logging.ts).
      timestamp: { seconds: Math.floor(ms / 1000), nanos: (((ms % 1000) + 1000) % 1000) * 1_000_000 },
      [INSERT_ID]: entry.insertId,
      [LABELS]: { ...entry.labels, [ACCESS_LABEL]: accessMark(instance) },
      ...entry.payload,
    }) + '\n'
  );
}

export interface IngestedLine {
  timestamp?: { seconds: number; nanos: number };
  severity?: Severity;
  insertId?: string;
  labels: Record<string, string>;
  jsonPayload: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A line as Cloud Logging ingests it: the reserved fields lifted out, the rest the payload. Undefined when not a JSON object. */
export function parseAccessLine(line: string): IngestedLine | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isObject(parsed)) return undefined;
  const { severity, timestamp, [INSERT_ID]: insertId, [LABELS]: labels, ...jsonPayload } = parsed;
  const out: IngestedLine = { labels: {}, jsonPayload };
  if (typeof severity === 'string') out.severity = severity as Severity;
  if (typeof insertId === 'string') out.insertId = insertId;
  if (isObject(timestamp) && Number.isInteger(timestamp.seconds) && Number.isInteger(timestamp.nanos)) {
    out.timestamp = { seconds: timestamp.seconds as number, nanos: timestamp.nanos as number };
  }
  if (isObject(labels)) for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') out.labels[k] = v;
  return out;
}
