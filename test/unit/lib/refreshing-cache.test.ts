import { RefreshingCache } from '../../../functions/src/lib/refreshing-cache';

function setup(ttlMs = 1000) {
  let now = 0;
  let loads = 0;
  let value = 'v1';
  const cache = new RefreshingCache<string, string>({
    ttlMs,
    maxEntries: 3,
    now: () => now,
    load: async () => {
      loads++;
      return value;
    },
  });
  return {
    cache,
    advance: (ms: number) => (now += ms),
    set: (v: string) => (value = v),
    loads: () => loads,
  };
}

describe('RefreshingCache', () => {
  it('serves a fresh value without loading again', async () => {
    const t = setup();
    expect(await t.cache.get('a')).toBe('v1');
    t.advance(400);
    expect(t.cache.peek('a')).toBe('v1');
    expect(t.loads()).toBe(1);
  });

  it('serves a half-stale value and reloads it in the background', async () => {
    const t = setup();
    await t.cache.get('a');
    t.set('v2');
    t.advance(600);
    expect(t.cache.peek('a')).toBe('v1');
    await new Promise((r) => setImmediate(r));
    expect(t.cache.peek('a')).toBe('v2');
  });

  it('never serves a value older than the ttl', async () => {
    const t = setup();
    await t.cache.get('a');
    t.set('v2');
    t.advance(1000);
    expect(t.cache.peek('a')).toBeUndefined();
    expect(await t.cache.get('a')).toBe('v2');
  });

  it('shares one load between concurrent callers', async () => {
    const t = setup();
    await Promise.all([t.cache.get('a'), t.cache.get('a'), t.cache.get('a')]);
    expect(t.loads()).toBe(1);
  });

  it('evicts the least recently used entry beyond its bound', async () => {
    const t = setup();
    for (const k of ['a', 'b', 'c']) await t.cache.get(k);
    expect(t.cache.peek('a')).toBe('v1'); // a use: 'b' is now the least recent
    await t.cache.get('d');
    expect(t.cache.peek('b')).toBeUndefined();
    expect([t.cache.peek('a'), t.cache.peek('c'), t.cache.peek('d')]).toEqual(['v1', 'v1', 'v1']);
    expect(t.loads()).toBe(4);
  });
});
