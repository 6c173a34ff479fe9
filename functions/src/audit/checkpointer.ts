/**
 * When a chain's checkpoints are written (audit/checkpoint.ts): within `intervalMs` of the first
 * entry not yet covered (so every minute with entries, and never on an idle instance), and a final
 * one when the writer shuts down (`close`, SIGTERM). The timer is unref'd, so it never keeps a
 * process alive, and it runs outside any request: no request waits for a signature or a write.
 * A checkpoint goes to both stores (Cloud Logging and Firestore); one a store did not take is kept
 * and offered to that store again with the next, so an outage does not read as a deletion later.
 */
import type { AuditChain } from './chain';
import type { CheckpointClaims } from './checkpoint';

export interface SignedCheckpoint {
  claims: CheckpointClaims;
  jws: string;
}

/** One store of checkpoints: rejects when the checkpoint was not written. */
export type CheckpointStore = (checkpoints: SignedCheckpoint[]) => Promise<void>;

export interface CheckpointerOptions {
  chain: AuditChain;
  sign: (claims: CheckpointClaims) => Promise<string>;
  stores: Record<string, CheckpointStore>;
  intervalMs: number;
  now: () => number;
  report: (line: Record<string, unknown>) => void;
}

export interface Checkpointer {
  /** After each entry linked: schedules the next checkpoint. Synchronous, no I/O. */
  touched(): void;
  /** A sequence number that was taken but whose entry was not written (its operation was undone). */
  voided(seq: number): void;
  /** Writes a checkpoint now if any entry is not covered yet (`final`: the writer is stopping; always written once). */
  checkpoint(final?: boolean): Promise<void>;
  /** Checkpoints written, and store writes that failed. */
  stats(): { written: number; failed: number };
}

/** Most checkpoints kept for a store that is down; the oldest go first (the newest cover them). */
const MAX_UNSTORED = 100;

export function checkpointer(opts: CheckpointerOptions): Checkpointer {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let coveredSeq = 0;
  let closing = false;
  let finalWritten = false;
  let voids: Array<[number, number]> = [];
  let running: Promise<void> = Promise.resolve();
  const unstored: Record<string, SignedCheckpoint[]> = Object.fromEntries(Object.keys(opts.stores).map((s) => [s, []]));
  const counts = { written: 0, failed: 0 };

  function schedule(ms: number): void {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void run(closing);
    }, ms);
    timer.unref?.();
  }

  async function write(final: boolean): Promise<void> {
    const head = opts.chain.head();
    if (!head || (head.seq === coveredSeq && voids.length === 0 && !(final && !finalWritten))) return;
    const claims: CheckpointClaims = { chain: head.id, seq: head.seq, hash: head.hash, at: new Date(opts.now()).toISOString(), final };
    if (voids.length) claims.void = voids;
    let jws: string;
    try {
      jws = await opts.sign(claims);
    } catch (err) {
      counts.failed++;
      // A stopping writer does not retry: a timer left behind would outlive it (and, in a test, its file).
      opts.report({ message: `audit: could not sign a checkpoint${final ? '; the writer is stopping, so its last entries stay unsigned' : '; retrying'}`, error: String((err as Error)?.message ?? err).slice(0, 300) });
      if (!final) schedule(opts.intervalMs);
      return;
    }
    coveredSeq = head.seq;
    voids = [];
    if (final) finalWritten = true;
    counts.written++;
    await Promise.all(
      Object.entries(opts.stores).map(async ([name, store]) => {
        const batch = [...unstored[name]!, { claims, jws }];
        try {
          await store(batch);
          unstored[name] = [];
        } catch (err) {
          counts.failed++;
          unstored[name] = batch.slice(-MAX_UNSTORED);
          opts.report({ message: `audit: the ${name} store did not take a checkpoint; it is offered again with the next`, chain: head.id, seq: head.seq, error: String((err as Error)?.message ?? err).slice(0, 300) });
        }
      }),
    );
  }

  function run(final: boolean): Promise<void> {
    running = running.then(() => write(final));
    return running;
  }

  return {
    touched() {
      // After a final checkpoint (requests still in flight at SIGTERM), the next one goes out at once.
      schedule(closing ? 0 : opts.intervalMs);
    },
    voided(seq) {
      const last = voids[voids.length - 1];
      if (last && last[1] === seq - 1) last[1] = seq;
      else voids.push([seq, seq]);
      schedule(closing ? 0 : opts.intervalMs);
    },
    checkpoint(final = false) {
      if (final) {
        closing = true;
        if (timer) clearTimeout(timer);
        timer = undefined;
      }
      return run(final || closing);
    },
    stats: () => ({ ...counts }),
  };
}
