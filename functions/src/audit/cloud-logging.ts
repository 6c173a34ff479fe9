/**
 * The audit trail in Cloud Logging, log `keyward-audit` (config.auditLogName), with the official
 * `@google-cloud/logging` client: the sink that writes it and the reader behind `GET /v1/audit`.
 * The client is created on first use; `CLOUD_LOGGING_EMULATOR_HOST` points it at the local
 * emulator, otherwise it uses Google's endpoint and application default credentials.
 *
 * - `record` (lifecycle events): one write, awaited, within `writeTimeoutMs`; it rejects when the
 *   entry was not written, and the caller undoes its change (fail closed).
 * - `access` (auth.success, auth.failure, refusals): buffered, see audit/buffer.ts.
 * Works outside the functions runtime too (`npm run admin`): build it, `record`, then `close`.
 */
import { randomBytes } from 'node:crypto';
import type { Entry, Log, Logging } from '@google-cloud/logging';
import type { Config } from '../config';
import { grpcInsecure } from '../lib/emulator-hosts';
import { lazy } from '../lib/lazy';
import { accessBuffer, defaultReport } from './buffer';
import { prepareEntry, type ListEntries, type PreparedEntry } from './entry';
import type { ManagedAuditSink } from './events';

export type AuditConfig = Pick<Config, 'projectId' | 'auditLogName'> & {
  audit: Pick<Config['audit'], 'flushDelayMs' | 'batchSize' | 'bufferLimit' | 'writeTimeoutMs'>;
};

/** The resource of every audit entry: the log is what identifies the trail, not the runtime. */
const RESOURCE = { type: 'global' };
const INVALID_ARGUMENT = 3;

export function loggingClient(projectId: string, env: NodeJS.ProcessEnv): () => Logging {
  return lazy(() => {
    const { Logging } = require('@google-cloud/logging') as typeof import('@google-cloud/logging');
    const host = env.CLOUD_LOGGING_EMULATOR_HOST;
    if (!host) return new Logging({ projectId });
    const colon = host.lastIndexOf(':');
    // sslCreds reaches google-gax although LoggingOptions does not declare it; universeDomain
    // spares the client a metadata-server probe.
    return new Logging({
      projectId,
      apiEndpoint: host.slice(0, colon),
      port: Number(host.slice(colon + 1)),
      sslCreds: grpcInsecure(),
      universeDomain: 'googleapis.com',
    } as ConstructorParameters<typeof Logging>[0]);
  });
}

/**
 * The client turns a Date into seconds and nanos with float arithmetic, which can land a
 * nanosecond below the millisecond; a `from`/`to` bound on that very millisecond would then miss
 * the entry. Integer arithmetic keeps the stored time exact.
 */
function exactTimestamp(at: Date): { seconds: number; nanos: number } {
  const ms = at.getTime();
  return { seconds: Math.floor(ms / 1000), nanos: (((ms % 1000) + 1000) % 1000) * 1_000_000 };
}

/** Entries of one process get ids `<random prefix>-<counter>`: unique, and ordered within a millisecond. */
function insertIds(): () => string {
  const prefix = randomBytes(6).toString('hex');
  let n = 0;
  return () => `${prefix}-${(++n).toString(36).padStart(10, '0')}`;
}

export interface CloudLoggingAuditOptions {
  /** Share a client with the reader (services.ts); by default one is made from `env`. */
  logging?: () => Logging;
  now?: () => number;
  report?: (line: Record<string, unknown>) => void;
}

export function cloudLoggingAudit(config: AuditConfig, env: NodeJS.ProcessEnv = process.env, options: CloudLoggingAuditOptions = {}): ManagedAuditSink {
  const now = options.now ?? Date.now;
  const report = options.report ?? defaultReport;
  const logging = options.logging ?? loggingClient(config.projectId, env);
  const log = lazy((): Log => logging().log(config.auditLogName));
  const nextId = insertIds();
  const { writeTimeoutMs } = config.audit;
  const lifecycle = { written: 0, writes: 0, failed: 0 };
  let used = false;

  async function write(batch: PreparedEntry[]): Promise<void> {
    used = true;
    const l = log();
    const entries: Entry[] = batch.map((p) =>
      l.entry({ resource: RESOURCE, timestamp: exactTimestamp(p.timestamp), insertId: p.insertId, severity: p.severity, labels: p.labels }, p.payload),
    );
    await l.write(entries, { resource: RESOURCE, gaxOptions: { timeout: writeTimeoutMs } });
  }

  const buffer = accessBuffer({
    write,
    batchSize: config.audit.batchSize,
    bufferLimit: config.audit.bufferLimit,
    flushDelayMs: config.audit.flushDelayMs,
    now,
    report,
    isPermanent: (err) => (err as { code?: unknown }).code === INVALID_ARGUMENT,
  });

  return {
    async record(event) {
      const entry = prepareEntry(event, now(), nextId());
      lifecycle.writes++;
      try {
        await write([entry]);
        lifecycle.written++;
      } catch (err) {
        lifecycle.failed++;
        report({ message: `audit: could not write ${entry.payload.event}; the operation is refused`, error: String((err as Error)?.message ?? err).slice(0, 300) });
        throw err;
      }
    },
    access(event) {
      let entry: PreparedEntry;
      try {
        entry = prepareEntry(event, now(), nextId());
      } catch (err) {
        report({ message: 'audit: an access event was malformed and dropped', error: String((err as Error)?.message ?? err).slice(0, 300) });
        return;
      }
      buffer.add(entry);
    },
    flush: () => buffer.flush(),
    tick: () => buffer.tick(),
    stats() {
      const b = buffer.stats();
      return {
        buffered: b.buffered,
        written: b.written + lifecycle.written,
        dropped: b.dropped,
        writes: b.writes + lifecycle.writes,
        failedWrites: b.failedWrites + lifecycle.failed,
        failedRecords: lifecycle.failed,
      };
    },
    async close() {
      try {
        await buffer.flush();
      } catch {
        buffer.abandon('Cloud Logging unreachable at shutdown');
      }
      if (used) await (logging().loggingService as unknown as { close(): Promise<void> }).close().catch(() => undefined);
    },
  };
}

/**
 * `ListLogEntries`, newest first, one page at a time, over `resourceName`: `projects/<id>`, or
 * the view of the log bucket the audit log is routed to (`projects/<id>/locations/global/buckets/keyward-audit/views/_AllLogs`).
 */
export function cloudLoggingEntries(resourceName: string, logging: () => Logging, timeoutMs = 10_000): ListEntries {
  return async ({ filter, pageSize, pageToken }) => {
    const [entries, , response] = await logging().getEntries({
      resourceNames: [resourceName],
      filter,
      orderBy: 'timestamp desc',
      pageSize,
      pageToken,
      autoPaginate: false,
      gaxOptions: { timeout: timeoutMs },
    });
    return {
      entries: entries.map((e) => ({ timestamp: e.metadata.timestamp as Date | string | undefined, severity: e.metadata.severity as string | undefined, data: e.data })),
      nextPageToken: response?.nextPageToken || undefined,
    };
  };
}
