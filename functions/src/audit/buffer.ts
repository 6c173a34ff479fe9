/**
 * The buffer of access entries (auth.success, auth.failure, refusals): the request path adds to
 * it and never waits on Cloud Logging. It is written in batches by one writer at a time.
 *
 * When entries go out, and why. Cloud Functions (Cloud Run) allocates CPU to an instance only
 * while it handles a request; after the response the CPU is throttled to almost nothing, so a
 * write started then, or a timer due then, may stall until the next request. So:
 * - a batch is written as soon as `batchSize` entries wait, and otherwise `flushDelayMs` after the
 *   first one (a timer: usually still inside the request that queued it);
 * - at the start of every request (`tick`) whatever is overdue is written: the next request is
 *   when an instance gets CPU again, so entries whose timer stalled go out then;
 * - at shutdown (SIGTERM, audit/shutdown.ts) everything left is written: Cloud Run gives ~10 s;
 * - only one write is in flight at a time: under load, entries gather while it runs and the next
 *   write carries them all.
 * Each entry's timestamp and insertId are fixed when it is queued, so a write retried after a
 * timeout cannot duplicate it (Cloud Logging drops an entry whose log, timestamp and insertId it
 * already has).
 *
 * When Cloud Logging is unreachable: a failed batch goes back to the front of the buffer and is
 * retried with backoff (1 s doubling to 30 s); the buffer holds at most `bufferLimit` entries and
 * counts what it cannot keep as dropped. Drops and failed writes are reported as one structured
 * `console.error` line (Cloud Logging's stderr capture, independent of this client), overflow at
 * most once per 10 s.
 */
import type { PreparedEntry } from './entry';

export interface AccessBufferOptions {
  /** Writes one batch; rejects when it was not written. */
  write(batch: PreparedEntry[]): Promise<void>;
  batchSize: number;
  bufferLimit: number;
  flushDelayMs: number;
  now?: () => number;
  /** Where drops and failures are reported (default: one JSON line on stderr). */
  report?: (line: Record<string, unknown>) => void;
  /** True when a failed write should not be retried (the entries were refused as invalid). */
  isPermanent?: (err: unknown) => boolean;
}

export interface AccessBufferStats {
  buffered: number;
  written: number;
  dropped: number;
  writes: number;
  failedWrites: number;
}

export interface AccessBuffer {
  add(entry: PreparedEntry): void;
  /** Writes overdue entries in the background (start of a request). */
  tick(): void;
  /** Writes everything buffered now, ignoring backoff; rejects if a batch could not be written. */
  flush(): Promise<void>;
  /** Counts whatever is still buffered as dropped and reports it (after the last flush at shutdown). */
  abandon(reason: string): void;
  stats(): AccessBufferStats;
}

const MIN_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;
const OVERFLOW_REPORT_EVERY_MS = 10_000;
const OVERFLOW = 'buffer full';

export function defaultReport(line: Record<string, unknown>): void {
  console.error(JSON.stringify({ severity: 'ERROR', ...line }));
}

function describe(err: unknown): string {
  const e = err as { code?: unknown; details?: unknown; message?: unknown };
  return String(e?.details ?? e?.message ?? err).slice(0, 300);
}

export function accessBuffer(opts: AccessBufferOptions): AccessBuffer {
  const now = opts.now ?? Date.now;
  const report = opts.report ?? defaultReport;
  const queue: PreparedEntry[] = [];
  const counts = { written: 0, dropped: 0, writes: 0, failedWrites: 0 };
  let inflight: Promise<void> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  let retryAt = 0;
  let unreportedOverflow = 0;
  let lastOverflowReport = -Infinity;

  function schedule(delayMs: number): void {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      start();
    }, Math.max(0, delayMs));
    timer.unref?.(); // never keeps a CLI or a test process alive
  }

  /** Counts lost entries and reports them; overflow (one entry at a time, under load) at most once per 10 s. */
  function drop(n: number, why: string, err?: unknown): void {
    counts.dropped += n;
    if (why === OVERFLOW) {
      unreportedOverflow += n;
      if (now() - lastOverflowReport < OVERFLOW_REPORT_EVERY_MS) return;
      lastOverflowReport = now();
      n = unreportedOverflow;
      unreportedOverflow = 0;
    }
    report({
      message: `audit: ${n} access entries dropped (${why})`,
      auditDropped: n,
      auditDroppedTotal: counts.dropped,
      auditBuffered: queue.length,
      ...(err === undefined ? {} : { error: describe(err) }),
    });
  }

  /** Writes batches until the buffer is empty; stops at the first failure. */
  async function drain(ignoreBackoff: boolean): Promise<void> {
    while (queue.length > 0) {
      if (!ignoreBackoff && now() < retryAt) {
        schedule(retryAt - now());
        return;
      }
      const batch = queue.splice(0, opts.batchSize);
      counts.writes++;
      try {
        await opts.write(batch);
        counts.written += batch.length;
        failures = 0;
        retryAt = 0;
      } catch (err) {
        counts.failedWrites++;
        if (opts.isPermanent?.(err)) {
          drop(batch.length, 'refused by Cloud Logging', err);
          throw err;
        }
        failures++;
        const backoff = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** (failures - 1));
        retryAt = now() + backoff;
        // Back to the front: the oldest entries stay first; whatever no longer fits is dropped.
        queue.unshift(...batch);
        const excess = queue.length - opts.bufferLimit;
        if (excess > 0) drop(queue.splice(opts.bufferLimit, excess).length, 'buffer full after a failed write', err);
        report({
          message: `audit: writing ${batch.length} access entries failed; retrying in ${backoff} ms`,
          auditBuffered: queue.length,
          auditDroppedTotal: counts.dropped,
          error: describe(err),
        });
        schedule(backoff);
        throw err;
      }
    }
  }

  function run(ignoreBackoff: boolean): Promise<void> {
    const current = drain(ignoreBackoff).finally(() => {
      if (inflight === current) inflight = undefined;
    });
    inflight = current;
    return current;
  }

  function start(): void {
    if (inflight || queue.length === 0) return;
    run(false).catch(() => undefined); // reported above; retried on the next trigger
  }

  return {
    add(entry) {
      if (queue.length >= opts.bufferLimit) {
        drop(1, OVERFLOW);
        return;
      }
      queue.push(entry);
      if (queue.length >= opts.batchSize) start();
      else schedule(opts.flushDelayMs);
    },
    tick() {
      const oldest = queue[0];
      if (oldest && now() - oldest.timestamp.getTime() >= opts.flushDelayMs) start();
    },
    async flush() {
      while (inflight) await inflight.catch(() => undefined);
      if (queue.length) await run(true);
    },
    abandon(reason) {
      if (queue.length) drop(queue.splice(0).length, reason);
    },
    stats: () => ({ buffered: queue.length, ...counts }),
  };
}
