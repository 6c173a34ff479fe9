/**
 * Where access lines go: stdout in production (Cloud Run ingests each line into Cloud Logging);
 * on the local stack, the Logging emulator, which has no stdout to read. Both take the very line
 * production prints: the local transport ingests it as the platform does (audit/access-line.ts)
 * and writes the entry to the log `run.googleapis.com/stdout` of the emulator, so `GET /v1/audit`,
 * the console and the tests read access entries through the same filter as in production.
 *
 * The local transport batches in the background (one write in flight, `batchSize` entries or
 * `flushDelayMs` after the first): a local process is never CPU-throttled between requests, so
 * nothing waits for a later request. Like the platform's agent, it keeps lines the emulator did
 * not take and tries again (after 1 s, doubling to 30 s, or at the next `flush`), holding at most
 * `bufferLimit`; what does not fit is counted as dropped. Failures are reported on stderr.
 * Production never loads it.
 */
import type { Entry, Log } from '@google-cloud/logging';
import { parseAccessLine } from './access-line';

export interface AccessTransport {
  /** Synchronous: the line is out (or queued locally) when it returns. Never throws. */
  write(line: string): void;
  /** Local transport: waits until the lines written so far reached the emulator. */
  flush(): Promise<void>;
  stats(): { pending: number; dropped: number; writes: number; failedWrites: number };
}

/** process.stdout: synchronous for pipes and files on Linux, which is what Cloud Run gives. */
export function stdoutTransport(out: (line: string) => unknown = (line) => process.stdout.write(line)): AccessTransport {
  return {
    write(line) {
      try {
        out(line);
      } catch {
        // stdout gone (EPIPE at shutdown): nothing left to tell.
      }
    },
    flush: async () => undefined,
    stats: () => ({ pending: 0, dropped: 0, writes: 0, failedWrites: 0 }),
  };
}

export interface EmulatorTransportOptions {
  /** The emulator's log `run.googleapis.com/stdout`. */
  log: () => Log;
  /** Resolves once the client behind `log` is initialized (see LoggingClient.ready); awaited before each write. */
  ready?: () => Promise<unknown>;
  batchSize: number;
  bufferLimit: number;
  flushDelayMs: number;
  writeTimeoutMs: number;
  report: (line: Record<string, unknown>) => void;
}

/** What Cloud Run records as the resource of a stdout line (the function's service). */
const RESOURCE = { type: 'cloud_run_revision', labels: { service_name: 'api' } };

const MIN_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

export function loggingEmulatorTransport(opts: EmulatorTransportOptions): AccessTransport {
  const queue: Entry[] = [];
  const counts = { dropped: 0, writes: 0, failedWrites: 0 };
  let inflight: Promise<boolean> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;

  function later(ms: number): void {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      start();
    }, ms);
    timer.unref?.(); // never keeps a CLI or a test process alive
  }

  /** Writes batches until the queue is empty (true) or a write fails (false: kept, retried later). */
  async function drain(): Promise<boolean> {
    while (queue.length > 0) {
      const batch = queue.splice(0, opts.batchSize);
      counts.writes++;
      try {
        await opts.ready?.();
        await opts.log().write(batch, { resource: RESOURCE, gaxOptions: { timeout: opts.writeTimeoutMs } });
        failures = 0;
      } catch (err) {
        counts.failedWrites++;
        failures++;
        queue.unshift(...batch);
        const excess = queue.length - opts.bufferLimit;
        if (excess > 0) counts.dropped += queue.splice(opts.bufferLimit, excess).length;
        const retryMs = Math.min(MAX_RETRY_MS, MIN_RETRY_MS * 2 ** (failures - 1));
        opts.report({ message: `audit: the Logging emulator did not take ${batch.length} access entries; retrying in ${retryMs} ms`, auditPending: queue.length, auditDroppedTotal: counts.dropped, error: String((err as Error)?.message ?? err).slice(0, 300) });
        later(retryMs);
        return false;
      }
    }
    return true;
  }

  function start(): Promise<boolean> {
    return (inflight ??= drain().finally(() => (inflight = undefined)));
  }

  return {
    write(line) {
      const ingested = parseAccessLine(line);
      if (!ingested) return;
      if (queue.length >= opts.bufferLimit) {
        counts.dropped++;
        return;
      }
      const { jsonPayload, ...metadata } = ingested;
      queue.push(opts.log().entry({ resource: RESOURCE, ...metadata }, jsonPayload));
      if (queue.length >= opts.batchSize && failures === 0) void start();
      else later(failures === 0 ? opts.flushDelayMs : MIN_RETRY_MS);
    },
    async flush() {
      // One attempt past any backoff: a reader or a closing CLI never waits on a retry schedule.
      if (inflight) await inflight;
      while (queue.length > 0 && (await start()));
    },
    stats: () => ({ pending: queue.length, ...counts }),
  };
}
