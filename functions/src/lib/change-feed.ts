/**
 * Following the change feed (docs/cache.md): every change another instance must honour is also
 * written as an entry `{kind, subject, at}` (store/changes.ts), and each instance reads the entries
 * newer than its last read, at most once per `intervalMs`, started from the request path (Cloud
 * Run gives an instance CPU only while it serves requests, so a timer would be starved). Each
 * entry drops the named cache entries; the caches may then keep records long (the record TTL).
 *
 * Order without transactions: `at` is the writer's clock, and a change's entry commits within
 * `overlapMs` of its `at` (the dependency timeout bounds a commit the caller was told succeeded,
 * plus a margin for clock skew). So each read asks for `at >= (start of the last good read) -
 * overlapMs`: an entry that committed late is still inside the window. An entry is thus seen
 * several times; applying it is idempotent (drop what was read before `at + overlapMs`, unless its
 * revision shows it already holds the change), so no sequence number, counter or transaction is needed.
 *
 * The hard bound: the view is current as of the start of the last successful read. When that is
 * older than `boundMs` (the feed stalled, Firestore is down, the instance got no CPU) `trusts`
 * says no, and the caches fall back to their short lifetime (the bound): records are read fresh.
 */

export type ChangeKind = 'key' | 'user' | 'owner-limits' | 'session' | 'team' | 'member';

export interface Change {
  /** The entry's document id: unique, sorts by `at`. */
  id: string;
  kind: ChangeKind;
  /** What changed: a key id, a uid, a session cookie's hash. */
  subject: string;
  /** Writer's clock, epoch ms, taken before the commit. */
  at: number;
  /** The subject's revision after the change, where it has one (key records): a copy at least this new is kept. */
  revision?: number;
}

export interface ChangeSource {
  /** Entries with `at >= fromAt` in `at` order, after the entry `afterId` if given, at most `limit`. */
  since(fromAt: number, limit: number, afterId?: string): Promise<Change[]>;
}

/** What a cache needs: a trust test for an entry read at `readAt`, and a nudge from the request path. */
export interface FeedView {
  poke(): void;
  trusts(readAt: number): boolean;
}

export interface FeedSubscriber {
  /**
   * Drop the entry for `subject` if it was read before `staleBefore` (epoch ms, this clock), unless
   * it is known to be at `revision` or later.
   */
  drop(subject: string, staleBefore: number, revision?: number): void;
  /** Forget everything (the feed could not be read whole). */
  clear(): void;
}

export interface FollowerOptions {
  source: ChangeSource;
  intervalMs: number;
  boundMs: number;
  overlapMs: number;
  /** Entries older than this cannot matter (every cached record expires by then). */
  horizonMs: number;
  now: () => number;
  pageSize?: number;
  maxPages?: number;
}

export interface FollowerStats {
  pulls: number;
  failures: number;
  /** Firestore bills a query max(1, documents returned) reads. */
  reads: number;
  entries: number;
  floods: number;
}

export class ChangeFollower implements FeedView {
  readonly stats: FollowerStats = { pulls: 0, failures: 0, reads: 0, entries: 0, floods: 0 };
  private readonly subscribers = new Map<ChangeKind, FeedSubscriber[]>();
  /** Start of the last successful read: the view is current as of then. */
  private currentAsOf: number | undefined;
  /** Start of the first successful read: entries read since are covered by the feed. */
  private coveredSince: number | undefined;
  private lastAttempt = -Infinity;
  private running: Promise<void> | undefined;

  constructor(private readonly opts: FollowerOptions) {}

  subscribe(kind: ChangeKind, subscriber: FeedSubscriber): void {
    this.subscribers.set(kind, [...(this.subscribers.get(kind) ?? []), subscriber]);
  }

  poke(): void {
    if (this.running || this.opts.now() - this.lastAttempt < this.opts.intervalMs) return;
    this.pull().catch(() => undefined);
  }

  trusts(readAt: number): boolean {
    if (this.currentAsOf === undefined || this.coveredSince === undefined) return false;
    return readAt >= this.coveredSince && this.opts.now() - this.currentAsOf < this.opts.boundMs;
  }

  /** How old the view is, ms (Infinity before the first successful read). */
  lag(): number {
    return this.currentAsOf === undefined ? Infinity : this.opts.now() - this.currentAsOf;
  }

  /** One read of the feed now (or the one already running). Rejects when the read fails. */
  pull(): Promise<void> {
    this.running ??= this.read().finally(() => (this.running = undefined));
    return this.running;
  }

  private async read(): Promise<void> {
    const { source, overlapMs, horizonMs, now } = this.opts;
    const pageSize = this.opts.pageSize ?? 500;
    const maxPages = this.opts.maxPages ?? 10;
    const started = now();
    this.lastAttempt = started;
    this.stats.pulls++;
    const from = Math.max(this.currentAsOf ?? started, started - horizonMs) - overlapMs;
    let afterId: string | undefined;
    const seen: Change[] = [];
    try {
      for (let page = 0; ; page++) {
        if (page === maxPages) {
          // More changes than one catch-up should read: forget everything instead (each record is read again once).
          this.stats.floods++;
          for (const list of this.subscribers.values()) for (const s of list) s.clear();
          seen.length = 0;
          break;
        }
        const batch = await source.since(from, pageSize, afterId);
        this.stats.reads += Math.max(1, batch.length);
        seen.push(...batch);
        if (batch.length < pageSize) break;
        afterId = batch[batch.length - 1].id;
      }
    } catch (err) {
      this.stats.failures++;
      throw err;
    }
    this.stats.entries += seen.length;
    for (const change of seen) {
      for (const s of this.subscribers.get(change.kind) ?? []) s.drop(change.subject, change.at + overlapMs, change.revision);
    }
    this.currentAsOf = started;
    this.coveredSince ??= started;
  }
}
