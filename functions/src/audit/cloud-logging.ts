/**
 * The audit trail in Cloud Logging, with the official `@google-cloud/logging` client: the sink
 * that writes it and the reader behind `GET /v1/audit`. The client is created on first use;
 * `CLOUD_LOGGING_EMULATOR_HOST` points it at the local emulator, otherwise it uses Google's
 * endpoint and application default credentials.
 *
 * - `record` (lifecycle events) writes to the log `keyward-audit` (config.auditLogName): one
 *   write, awaited, within `writeTimeoutMs`; it rejects when the entry was not written, and the
 *   caller undoes its change (fail closed).
 * - `access` (auth.success, auth.failure, refusals) writes one structured JSON line, synchronously
 *   (audit/access-line.ts): to stdout in production, where Cloud Run ingests it into Cloud
 *   Logging; to the Logging emulator on the local stack (audit/access-transport.ts). No client,
 *   no buffer, nothing left for a later request: Cloud Run throttles the CPU between requests,
 *   and the client's own advice for serverless is structured logging to stdout.
 * - every entry, of both kinds, is linked into this sink's hash chain as it is made (audit/chain.ts),
 *   and the chain's signed checkpoints go to the log `<auditLogName>-checkpoints` and to the
 *   other stores given (Firestore) every minute with entries and at `close`/`seal`
 *   (audit/checkpointer.ts). One sink per process: one chain per process.
 * Works outside the functions runtime too (`npm run admin`): build it, `record`, then `close`.
 */
import { randomBytes } from 'node:crypto';
import type { Log, Logging } from '@google-cloud/logging';
import type { Config } from '../config';
import { grpcInsecure } from '../lib/emulator-hosts';
import { initializedClient } from '../lib/initialized-client';
import { ACCESS_LOG_ID, accessLine } from './access-line';
import { loggingEmulatorTransport, stdoutTransport, type AccessTransport } from './access-transport';
import { auditChain, type AuditChain } from './chain';
import type { CheckpointClaims } from './checkpoint';
import { checkpointer, type CheckpointStore, type SignedCheckpoint } from './checkpointer';
import { prepareEntry, type ListEntries, type PreparedEntry } from './entry';
import type { ManagedAuditSink } from './events';

export type AuditConfig = Pick<Config, 'projectId' | 'auditLogName'> & Partial<Pick<Config, 'instance'>> & {
  audit: Pick<Config['audit'], 'flushDelayMs' | 'batchSize' | 'bufferLimit' | 'writeTimeoutMs'> & Partial<Pick<Config['audit'], 'accessTo'>>;
};

/** The resource of every lifecycle entry: the log is what identifies the trail, not the runtime. */
const RESOURCE = { type: 'global' };

/** The Cloud Logging client, initialized on first use and replaced if that fails (lib/initialized-client.ts). */
export interface LoggingClient {
  /** The current client (made on first use). */
  (): Logging;
  /**
   * The current client once initialized. The generated client rethrows a failed initialization
   * (no credentials, say) from a detached promise on every later call, an unhandled rejection
   * that stops the process; so calls wait for this first, and a client whose initialization
   * failed is replaced by a new one.
   */
  ready(): Promise<Logging>;
}

export function loggingClient(projectId: string, env: NodeJS.ProcessEnv): LoggingClient {
  const create = (): Logging => {
    const { Logging } = require('@google-cloud/logging') as typeof import('@google-cloud/logging');
    // The client adds a 'logging.googleapis.com/diagnostic' entry to the first write of each process,
    // in the log written to: in the audit trail that is an entry with no place in any chain, which the
    // verifier rightly reports as inserted. The client skips it once this (its own) flag is set.
    (globalThis as { instrumentationAdded?: boolean }).instrumentationAdded = true;
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
  };
  let current: Logging | undefined;
  const get = (): Logging => (current ??= create());
  const ready = initializedClient(get, (logging) =>
    gaxClient(logging)
      .initialize()
      .catch((err: unknown) => {
        current = undefined;
        throw err;
      }),
  );
  return Object.assign(get, { ready });
}

/** The generated client inside `Logging` (not in its declared type). */
function gaxClient(logging: Logging): { initialize(): Promise<unknown>; close(): Promise<void> } {
  return logging.loggingService as unknown as { initialize(): Promise<unknown>; close(): Promise<void> };
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

export function defaultReport(line: Record<string, unknown>): void {
  console.error(JSON.stringify({ severity: 'ERROR', ...line }));
}

export interface CloudLoggingAuditOptions {
  /** Share a client with the reader (services.ts); by default one is made from `env`. */
  logging?: LoggingClient;
  now?: () => number;
  report?: (line: Record<string, unknown>) => void;
  /** Where access lines go; by default `config.audit.accessTo`. */
  access?: AccessTransport;
  /** This writer's chain (a test's, with a known id); by default a new one. */
  chain?: AuditChain;
  /** Signed checkpoints of the chain: without them the entries are chained but nothing signs the heads. */
  checkpoints?: {
    sign: (claims: CheckpointClaims) => Promise<string>;
    /** Stores besides Cloud Logging (Firestore: store/audit-checkpoints.ts). */
    stores?: Record<string, CheckpointStore>;
    intervalMs: number;
  };
}

/** The log that holds the chains' checkpoints, next to the trail's own. */
export const checkpointLogName = (auditLogName: string): string => `${auditLogName}-checkpoints`;

/** Links the entry into the chain: its place goes into the payload, as `chain`. */
function chained(chain: AuditChain, p: PreparedEntry): PreparedEntry {
  (p.payload as PreparedEntry['payload'] & { chain?: unknown }).chain = chain.link({ timestamp: p.timestamp.toISOString(), severity: p.severity, payload: p.payload as unknown as Record<string, unknown> });
  return p;
}

export function cloudLoggingAudit(config: AuditConfig, env: NodeJS.ProcessEnv = process.env, options: CloudLoggingAuditOptions = {}): ManagedAuditSink {
  const now = options.now ?? Date.now;
  const report = options.report ?? defaultReport;
  const logging = options.logging ?? loggingClient(config.projectId, env);
  const logs = new WeakMap<Logging, Record<string, Log>>();
  /** The named log of the current client (a replaced client gets its own). */
  const logOf = (name: string): Log => {
    const client = logging();
    const named = logs.get(client) ?? {};
    logs.set(client, named);
    return (named[name] ??= client.log(name));
  };
  const log = (): Log => logOf(config.auditLogName);
  const nextId = insertIds();
  const { writeTimeoutMs } = config.audit;
  const counts = { access: 0, malformed: 0, written: 0, writes: 0, failed: 0 };
  let used = false;
  const chain = options.chain ?? auditChain();
  /** Checkpoints in Cloud Logging: one entry each, its insertId fixed by its place, so a retry cannot duplicate it. */
  const loggingCheckpoints: CheckpointStore = async (batch: SignedCheckpoint[]) => {
    used = true;
    await logging.ready();
    const l = logOf(checkpointLogName(config.auditLogName));
    const entries = batch.map(({ claims, jws }) =>
      l.entry({ resource: RESOURCE, timestamp: exactTimestamp(new Date(claims.at)), insertId: `${claims.chain}-${claims.seq}`, severity: 'NOTICE', labels: { chain: claims.chain } }, { checkpoint: claims, jws }),
    );
    await l.write(entries, { resource: RESOURCE, gaxOptions: { timeout: writeTimeoutMs } });
  };
  const checkpoints = options.checkpoints
    ? checkpointer({ chain, sign: options.checkpoints.sign, stores: { logging: loggingCheckpoints, ...options.checkpoints.stores }, intervalMs: options.checkpoints.intervalMs, now, report })
    : undefined;
  const accessTo = config.audit.accessTo ?? (env.CLOUD_LOGGING_EMULATOR_HOST ? 'emulator' : 'stdout');
  const out =
    options.access ??
    (accessTo === 'emulator'
      ? loggingEmulatorTransport({
          log: () => ((used = true), logOf(ACCESS_LOG_ID)),
          ready: () => logging.ready(),
          batchSize: config.audit.batchSize,
          bufferLimit: config.audit.bufferLimit,
          flushDelayMs: config.audit.flushDelayMs,
          writeTimeoutMs,
          report,
        })
      : stdoutTransport());

  return {
    async record(event) {
      const p = chained(chain, prepareEntry(event, now(), nextId()));
      checkpoints?.touched();
      counts.writes++;
      used = true;
      try {
        await logging.ready();
        const l = log();
        await l.write(l.entry({ resource: RESOURCE, timestamp: exactTimestamp(p.timestamp), insertId: p.insertId, severity: p.severity, labels: p.labels }, p.payload), {
          resource: RESOURCE,
          gaxOptions: { timeout: writeTimeoutMs },
        });
        counts.written++;
      } catch (err) {
        counts.failed++;
        checkpoints?.voided((p.payload as { chain?: { seq: number } }).chain!.seq);
        report({ message: `audit: could not write ${p.payload.event}; the operation is refused`, error: String((err as Error)?.message ?? err).slice(0, 300) });
        throw err;
      }
    },
    access(event) {
      let line: string;
      try {
        line = accessLine(chained(chain, prepareEntry(event, now(), nextId())), config.instance);
        checkpoints?.touched();
      } catch (err) {
        counts.malformed++;
        report({ message: 'audit: an access event was malformed and dropped', error: String((err as Error)?.message ?? err).slice(0, 300) });
        return;
      }
      counts.access++;
      out.write(line);
    },
    flush: () => out.flush(),
    seal: async () => {
      await checkpoints?.checkpoint(true);
    },
    stats() {
      const t = out.stats();
      return {
        accessLines: counts.access,
        buffered: t.pending,
        written: counts.written + counts.access - t.pending - t.dropped,
        dropped: t.dropped + counts.malformed,
        writes: counts.writes + t.writes,
        failedWrites: counts.failed + t.failedWrites,
        failedRecords: counts.failed,
      };
    },
    async close() {
      await out.flush();
      await checkpoints?.checkpoint(true);
      if (used) await gaxClient(logging()).close().catch(() => undefined);
    },
  };
}

/**
 * `ListLogEntries`, newest first, one page at a time, over `resourceName`: `projects/<id>`, or
 * the view of the log bucket the audit log is routed to (`projects/<id>/locations/global/buckets/keyward-audit/views/_AllLogs`).
 */
export function cloudLoggingEntries(resourceName: string, logging: LoggingClient, timeoutMs = 10_000): ListEntries {
  return async ({ filter, pageSize, pageToken, order = 'desc' }) => {
    const [entries, , response] = await (await logging.ready()).getEntries({
      resourceNames: [resourceName],
      filter,
      orderBy: `timestamp ${order}`,
      pageSize,
      pageToken,
      autoPaginate: false,
      gaxOptions: { timeout: timeoutMs },
    });
    return {
      entries: entries.map((e) => ({
        timestamp: e.metadata.timestamp as Date | string | undefined,
        severity: e.metadata.severity as string | undefined,
        data: e.data,
        insertId: e.metadata.insertId ?? undefined,
        logName: e.metadata.logName ?? undefined,
      })),
      nextPageToken: response?.nextPageToken || undefined,
    };
  };
}
