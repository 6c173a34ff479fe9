/**
 * Where access lines go: stdout in production (Cloud Run ingests each line into Cloud Logging);
 * on the local stack, the Logging emulator, which has no stdout to read. Both take the very line
 * production prints: the local transport ingests it as the platform does (audit/access-line.ts)
 * and writes the entry to the log `run.googleapis.com/stdout` of the emulator, so `GET /v1/audit`,
 * the console and the tests read access entries through the same filter as in production.
 *
 * The local transport batches in the background (one write in flight, `batchSize` entries or
 * `flushDelayMs` after the first): a local process is never CPU-throttled between requests, so
 * nothing waits for a later request. It holds at most `bufferLimit` lines; what it cannot write
 * is counted as dropped and reported on stderr. Production never loads it.
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
  batchSize: number;
  bufferLimit: number;
  flushDelayMs: number;
  writeTimeoutMs: number;
  report: (line: Record<string, unknown>) => void;
}

/** What Cloud Run records as the resource of a stdout line (the function's service). */
const RESOURCE = { type: 'cloud_run_revision', labels: { service_name: 'api' } };

export function loggingEmulatorTransport(opts: EmulatorTransportOptions): AccessTransport {
  const queue: Entry[] = [];
  const counts = { dropped: 0, writes: 0, failedWrites: 0 };
  let inflight: Promise<void> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, opts.batchSize);
      counts.writes++;
      try {
        await opts.log().write(batch, { resource: RESOURCE, gaxOptions: { timeout: opts.writeTimeoutMs } });
      } catch (err) {
        counts.failedWrites++;
        counts.dropped += batch.length;
        opts.report({ message: `audit: ${batch.length} access entries not delivered to the Logging emulator`, auditDroppedTotal: counts.dropped, error: String((err as Error)?.message ?? err).slice(0, 300) });
      }
    }
  }

  function start(): void {
    inflight ??= drain().finally(() => (inflight = undefined));
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
      if (queue.length >= opts.batchSize) start();
      else if (!timer) {
        timer = setTimeout(() => {
          timer = undefined;
          start();
        }, opts.flushDelayMs);
        timer.unref?.(); // never keeps a CLI or a test process alive
      }
    },
    async flush() {
      while (inflight || queue.length) {
        start();
        await inflight;
      }
    },
    stats: () => ({ pending: queue.length, ...counts }),
  };
}
