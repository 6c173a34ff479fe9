/**
 * A bounded cache for values loaded over the network, built so the hot path rarely waits:
 * - younger than ttl/2: served as is;
 * - between ttl/2 and ttl: served, and reloaded in the background;
 * - older than ttl (or absent): the caller waits for the load.
 * So a value is never more than `ttlMs` stale, which is what makes it a revocation bound.
 * Concurrent loads of one key share a single request. Beyond `maxEntries` the least recently
 * used entry goes (lru-cache).
 */
import { LRUCache } from 'lru-cache';

export interface RefreshingCacheOptions<K extends NonNullable<unknown>, V> {
  load: (key: K) => Promise<V>;
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

interface Entry<V> {
  value: V;
  loadedAt: number;
}

export class RefreshingCache<K extends NonNullable<unknown>, V> {
  private readonly entries: LRUCache<K, Entry<V>>;
  private readonly inflight = new Map<K, Promise<V>>();
  private readonly now: () => number;

  constructor(private readonly opts: RefreshingCacheOptions<K, V>) {
    this.now = opts.now ?? Date.now;
    this.entries = new LRUCache({ max: opts.maxEntries });
  }

  /** The cached value if it is fresh enough to serve without waiting, else undefined. */
  peek(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const age = this.now() - entry.loadedAt;
    if (age >= this.opts.ttlMs) return undefined;
    if (age >= this.opts.ttlMs / 2) this.reload(key).catch(() => undefined);
    return entry.value;
  }

  async get(key: K): Promise<V> {
    const cached = this.peek(key);
    return cached !== undefined ? cached : this.reload(key);
  }

  set(key: K, value: V): void {
    this.entries.set(key, { value, loadedAt: this.now() });
  }

  /**
   * The value read again when the cached one is at least `minAgeMs` old, else undefined: for a
   * caller with reason to think an entry is stale, at most one read per `minAgeMs` per key. A
   * failed read keeps the cached entry.
   */
  async recheck(key: K, minAgeMs: number): Promise<V | undefined> {
    const entry = this.entries.get(key);
    if (!entry || this.now() - entry.loadedAt < minAgeMs) return undefined;
    return this.reload(key).catch(() => undefined);
  }

  /** The value read again now, whatever its age (a decision that must not rest on a stale copy). */
  fresh(key: K): Promise<V> {
    return this.reload(key);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  private reload(key: K): Promise<V> {
    const running = this.inflight.get(key);
    if (running) return running;
    const started = this.opts
      .load(key)
      .then((value) => {
        this.set(key, value);
        return value;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, started);
    return started;
  }
}
