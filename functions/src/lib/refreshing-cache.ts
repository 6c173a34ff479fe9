/**
 * A bounded cache for values loaded over the network, built so the hot path rarely waits:
 * - younger than its lifetime less half the short ttl: served as is;
 * - in the last half-ttl of its lifetime: served, and reloaded in the background;
 * - older than its lifetime (or absent): the caller waits for the load.
 * The lifetime is `ttlMs`, which is what makes it a revocation bound. With a change feed
 * (lib/change-feed.ts) an entry the feed vouches for lives `longTtlMs` instead: the feed drops it
 * when it changes, and when the feed is behind by more than the bound the entry is back on `ttlMs`.
 * Concurrent loads of one key share a single request. Beyond `maxEntries` the least recently
 * used entry goes (lru-cache).
 */
import { LRUCache } from 'lru-cache';
import type { FeedView } from './change-feed';

export interface RefreshingCacheOptions<K extends NonNullable<unknown>, V> {
  load: (key: K) => Promise<V>;
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
  /** The change feed that vouches for entries, and how long entries it vouches for live. */
  feed?: FeedView;
  longTtlMs?: number;
  /** A value's revision, where it has one: a feed entry for a revision it already holds leaves it. */
  revisionOf?: (value: V) => number | undefined;
}

interface Entry<V> {
  value: V;
  /** When the load that produced it started: the value is at least this current. */
  readAt: number;
}

interface Load<V> {
  promise: Promise<V>;
  startedAt: number;
  /** Set when a change made the value stale before it arrived: it is returned but not kept. */
  voided: boolean;
  /** Kept only if at least this revision (a change of known revision was read meanwhile). */
  atLeast?: number;
}

export class RefreshingCache<K extends NonNullable<unknown>, V> {
  private readonly entries: LRUCache<K, Entry<V>>;
  private readonly inflight = new Map<K, Load<V>>();
  private readonly now: () => number;

  constructor(private readonly opts: RefreshingCacheOptions<K, V>) {
    this.now = opts.now ?? Date.now;
    this.entries = new LRUCache({ max: opts.maxEntries });
  }

  /** The cached value if it is fresh enough to serve without waiting, else undefined. */
  peek(key: K): V | undefined {
    const { feed, ttlMs } = this.opts;
    feed?.poke();
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const age = this.now() - entry.readAt;
    const lifetime = feed && this.opts.longTtlMs && feed.trusts(entry.readAt) ? Math.max(ttlMs, this.opts.longTtlMs) : ttlMs;
    if (age >= lifetime) return undefined;
    if (age >= lifetime - ttlMs / 2) this.reload(key).catch(() => undefined);
    return entry.value;
  }

  async get(key: K): Promise<V> {
    const cached = this.peek(key);
    return cached !== undefined ? cached : this.reload(key);
  }

  set(key: K, value: V): void {
    this.entries.set(key, { value, readAt: this.now() });
  }

  /**
   * The value read again when the cached one is at least `minAgeMs` old, else undefined: for a
   * caller with reason to think an entry is stale, at most one read per `minAgeMs` per key. A
   * failed read keeps the cached entry.
   */
  async recheck(key: K, minAgeMs: number): Promise<V | undefined> {
    const entry = this.entries.get(key);
    if (!entry || this.now() - entry.readAt < minAgeMs) return undefined;
    return this.reload(key).catch(() => undefined);
  }

  /** The value read again now, whatever its age (a decision that must not rest on a stale copy). */
  fresh(key: K): Promise<V> {
    return this.reload(key);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  /**
   * A change feed entry: forget the value (and void a load in flight) if it was read before
   * `staleBefore`, unless its revision shows it already holds the change.
   */
  drop(key: K, staleBefore: number, revision?: number): void {
    const holds = (value: V) => revision !== undefined && (this.opts.revisionOf?.(value) ?? -1) >= revision;
    const entry = this.entries.peek(key);
    if (entry && entry.readAt < staleBefore && !holds(entry.value)) this.entries.delete(key);
    const load = this.inflight.get(key);
    if (load && load.startedAt < staleBefore) {
      if (revision !== undefined && this.opts.revisionOf) load.atLeast = Math.max(load.atLeast ?? revision, revision);
      else load.voided = true;
      this.inflight.delete(key); // callers from now on read again
    }
  }

  clear(): void {
    this.entries.clear();
    for (const load of this.inflight.values()) load.voided = true;
    this.inflight.clear();
  }

  private reload(key: K): Promise<V> {
    const running = this.inflight.get(key);
    if (running) return running.promise;
    const startedAt = this.now();
    const load: Load<V> = { startedAt, voided: false, promise: undefined as unknown as Promise<V> };
    load.promise = this.opts
      .load(key)
      .then((value) => {
        const stale = load.voided || (load.atLeast !== undefined && (this.opts.revisionOf?.(value) ?? -1) < load.atLeast);
        if (!stale) this.entries.set(key, { value, readAt: startedAt });
        return value;
      })
      .finally(() => {
        if (this.inflight.get(key) === load) this.inflight.delete(key);
      });
    this.inflight.set(key, load);
    return load.promise;
  }
}
