// The change-feed follower (lib/change-feed.ts) and the cache it vouches for (lib/refreshing-cache.ts),
// with an in-memory feed (test/harness/memory-stores.ts memoryChanges) and a hand-moved clock.
import { ChangeFollower, type ChangeSource } from '../../../functions/src/lib/change-feed';
import { RefreshingCache } from '../../../functions/src/lib/refreshing-cache';
import { memoryChanges } from '../../harness/memory-stores';

const BOUND = 10_000;
const LONG = 3_600_000;
const OVERLAP = 6000;

function setup(opts: { failing?: () => boolean; pageSize?: number; maxPages?: number } = {}) {
  let now = 1_000_000;
  const clock = () => now;
  const feed = memoryChanges(clock);
  let queries = 0;
  const source: ChangeSource = {
    since: async (...args) => {
      queries++;
      if (opts.failing?.()) throw new Error('feed down');
      return feed.since(...args);
    },
  };
  const follower = new ChangeFollower({ source, intervalMs: 1000, boundMs: BOUND, overlapMs: OVERLAP, horizonMs: LONG, now: clock, pageSize: opts.pageSize, maxPages: opts.maxPages });
  const records = new Map<string, string>([['k1', 'valid'], ['k2', 'valid']]);
  let loads = 0;
  const cache = new RefreshingCache<string, string>({
    ttlMs: BOUND,
    maxEntries: 100,
    now: clock,
    feed: follower,
    longTtlMs: LONG,
    load: async (id) => {
      loads++;
      return records.get(id) ?? 'none';
    },
  });
  follower.subscribe('key', cache);
  /** A change as a store makes it: the record and its feed entry together. */
  const change = (id: string, value: string) => {
    records.set(id, value);
    void feed.publish('key', id);
  };
  return {
    follower,
    cache,
    feed,
    change,
    advance: (ms: number) => (now += ms),
    loads: () => loads,
    queries: () => queries,
  };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('change feed: the follower', () => {
  it('vouches for nothing before its first read, then for what was read since', async () => {
    const t = setup();
    expect(t.follower.trusts(1_000_000)).toBe(false);
    await t.follower.pull();
    expect(t.follower.trusts(1_000_000)).toBe(true);
    expect(t.follower.trusts(999_999)).toBe(false); // read before the feed was followed
  });

  it('reads at most once per interval however many requests poke it', async () => {
    const t = setup();
    for (let i = 0; i < 50; i++) t.follower.poke();
    await settle();
    expect(t.queries()).toBe(1);
    t.advance(999);
    t.follower.poke();
    await settle();
    expect(t.queries()).toBe(1);
    t.advance(1);
    t.follower.poke();
    await settle();
    expect(t.queries()).toBe(2);
  });

  it('keeps a record far beyond the bound while the feed is current, and drops exactly the changed one', async () => {
    const t = setup();
    await t.follower.pull();
    expect(await t.cache.get('k1')).toBe('valid');
    expect(await t.cache.get('k2')).toBe('valid');
    for (let s = 0; s < 60; s++) {
      t.advance(1000);
      t.cache.peek('k1'); // a request: pokes the feed
      await settle();
    }
    expect([t.cache.peek('k1'), t.cache.peek('k2'), t.loads()]).toEqual(['valid', 'valid', 2]);
    t.change('k1', 'revoked');
    t.advance(1000);
    t.cache.peek('k2');
    await settle();
    expect(t.cache.peek('k1')).toBeUndefined();
    expect(await t.cache.get('k1')).toBe('revoked');
    expect(t.cache.peek('k2')).toBe('valid');
    expect(t.loads()).toBe(3);
  });

  it('falls back to the bound when its reads fail: a record older than the bound is read fresh', async () => {
    let down = false;
    const t = setup({ failing: () => down });
    await t.follower.pull();
    await t.cache.get('k1');
    down = true;
    t.change('k1', 'revoked'); // the feed cannot tell this instance
    t.advance(BOUND - 1);
    expect(t.cache.peek('k1')).toBe('valid'); // within the bound: as before the feed
    await settle();
    t.advance(1);
    expect(t.cache.peek('k1')).toBeUndefined();
    expect(await t.cache.get('k1')).toBe('revoked');
    expect(t.follower.stats.failures).toBeGreaterThan(0);
  });

  it('counts a stalled instance (no reads at all, no CPU) the same way', async () => {
    const t = setup();
    await t.follower.pull();
    await t.cache.get('k1');
    t.change('k1', 'revoked');
    t.advance(BOUND + 1); // nothing ran: no request, no read
    expect(t.follower.trusts(1_000_000)).toBe(false);
    expect(t.cache.peek('k1')).toBeUndefined();
  });

  it('drops a value whose load was in flight when the change was read', async () => {
    const t = setup();
    await t.follower.pull();
    const pending = t.cache.get('k1'); // read starts: sees 'valid'
    t.change('k1', 'revoked');
    await t.follower.pull();
    expect(await pending).toBe('valid'); // that caller was already served
    expect(t.cache.peek('k1')).toBeUndefined(); // but it is not kept
  });

  it('drops a value read within the overlap after the change (its commit may have landed later), once that is past keeps it', async () => {
    const t = setup();
    await t.follower.pull();
    t.change('k1', 'revoked');
    t.advance(100);
    await t.cache.get('k1');
    t.advance(1000);
    await t.follower.pull();
    expect(t.cache.peek('k1')).toBeUndefined();
    t.advance(OVERLAP);
    await t.cache.get('k1');
    t.advance(1000);
    await t.follower.pull();
    expect(t.cache.peek('k1')).toBe('revoked');
  });

  it('sees an entry that commits late, within the overlap, after a read that missed it', async () => {
    const t = setup();
    await t.follower.pull();
    await t.cache.get('k1');
    const lateAt = 1_000_000; // written with the writer's clock, committed 4 s later
    t.advance(4000);
    await t.follower.pull();
    t.feed.entries.push({ id: `${String(lateAt).padStart(13, '0')}-late`, kind: 'key', subject: 'k1', at: lateAt });
    t.advance(1000);
    await t.follower.pull();
    expect(t.cache.peek('k1')).toBeUndefined();
  });

  it('keeps a copy that already holds the change (its revision), and drops an older one', async () => {
    let now = 0;
    const feed = memoryChanges(() => now);
    const follower = new ChangeFollower({ source: feed, intervalMs: 1000, boundMs: BOUND, overlapMs: OVERLAP, horizonMs: LONG, now: () => now });
    let stored = { rev: 1 };
    let loads = 0;
    const cache = new RefreshingCache<string, { rev: number }>({ ttlMs: BOUND, maxEntries: 10, now: () => now, feed: follower, longTtlMs: LONG, revisionOf: (v) => v.rev, load: async () => (loads++, stored) });
    follower.subscribe('key', cache);
    await follower.pull();
    feed.add(undefined as never, 'key', 'k', 1); // the create, read right after it
    now += 100;
    await cache.get('k');
    now += 1000;
    await follower.pull();
    expect([cache.peek('k'), loads]).toEqual([{ rev: 1 }, 1]); // within the overlap, but at that revision: kept
    stored = { rev: 2 };
    feed.add(undefined as never, 'key', 'k', 2);
    now += 1000;
    await follower.pull();
    expect(cache.peek('k')).toBeUndefined();
    expect(await cache.get('k')).toEqual({ rev: 2 });
  });

  it('pages through a burst, and forgets everything past its page budget', async () => {
    const t = setup({ pageSize: 2, maxPages: 3 });
    await t.follower.pull();
    await t.cache.get('k1');
    await t.cache.get('k2');
    for (let i = 0; i < 5; i++) void t.feed.publish('key', `other${i}`);
    t.advance(1000);
    await t.follower.pull(); // 3 pages of 2: all five read, nothing here changed
    expect([t.cache.peek('k1'), t.cache.peek('k2'), t.follower.stats.floods]).toEqual(['valid', 'valid', 0]);
    void t.feed.publish('key', 'other5');
    t.advance(1000);
    await t.follower.pull(); // now more than 3 pages in the window
    expect([t.cache.peek('k1'), t.cache.peek('k2'), t.follower.stats.floods]).toEqual([undefined, undefined, 1]);
  });

  it('counts reads as Firestore bills them: at least one per query', async () => {
    const t = setup();
    await t.follower.pull();
    void t.feed.publish('key', 'k1');
    void t.feed.publish('key', 'k2');
    t.advance(1000);
    await t.follower.pull();
    expect(t.follower.stats.reads).toBe(1 + 2);
  });
});
