import { callLimiter } from '../../../functions/src/limits/call-limiter';
import { errorHeaders } from '../../../functions/src/http/errors';
import { issueLimiter } from '../../../functions/src/limits/issue-limiter';
import type { WindowCounter } from '../../../functions/src/store/window-counters';
import { KeywardError } from '../../../functions/src/errors';

const T = Date.UTC(2026, 0, 1, 12, 0, 0);
const limits = {
  server: { issuePerMinute: 2, callsPerMinute: 3 },
  web: { issuePerMinute: 1, callsPerMinute: 1 },
  mobile: { issuePerMinute: 5, callsPerMinute: 5 },
};

function memoryCounter(): WindowCounter & { docs: Map<string, { count: number; expireAt: number }> } {
  const docs = new Map<string, { count: number; expireAt: number }>();
  return {
    docs,
    stats: { reads: 0, writes: 0 },
    async hit(id, expireAt) {
      const doc = docs.get(id) ?? { count: 0, expireAt };
      doc.count++;
      docs.set(id, doc);
      return doc.count;
    },
  };
}

describe('call limiter (per instance)', () => {
  it('limits calls per key by key type, and starts over in the next minute', () => {
    let now = T;
    const limiter = callLimiter(limits, () => now);
    const server = { keyId: 'K1', keyType: 'server' as const };
    for (let i = 0; i < 3; i++) limiter.check(server);
    let refusal: KeywardError | undefined;
    try {
      limiter.check(server);
    } catch (err) {
      refusal = err as KeywardError;
    }
    expect(refusal?.code).toBe('rate_limited');
    expect(errorHeaders(refusal!)).toMatchObject({ 'Retry-After': '60', 'RateLimit-Limit': '3', 'RateLimit-Remaining': '0' });
    // Another key has its own budget; a web key a smaller one.
    expect(() => limiter.check({ keyId: 'K2', keyType: 'server' })).not.toThrow();
    expect(() => limiter.check({ keyId: 'W', keyType: 'web' })).not.toThrow();
    expect(() => limiter.check({ keyId: 'W', keyType: 'web' })).toThrow(KeywardError);
    now = T + 60_000;
    expect(() => limiter.check(server)).not.toThrow();
  });

  it('ignores credentials without a key (sessions, ID tokens)', () => {
    const limiter = callLimiter(limits, () => T);
    for (let i = 0; i < 10; i++) expect(() => limiter.check({})).not.toThrow();
  });

  it('keeps at most maxKeys windows in memory', () => {
    const limiter = callLimiter(limits, () => T, 2);
    limiter.take('a', 'web');
    limiter.take('b', 'web');
    limiter.take('c', 'web'); // evicts a
    expect(limiter.take('a', 'web').allowed).toBe(true);
    expect(limiter.take('c', 'web').allowed).toBe(false);
  });
});

describe('issue limiter (shared counter)', () => {
  it('counts per key and per minute in one document each, with a TTL after the window', async () => {
    let now = T + 10_000;
    const counter = memoryCounter();
    const limiter = issueLimiter(counter, limits, () => now);
    expect((await limiter.take('K', 'server')).allowed).toBe(true);
    expect(await limiter.take('K', 'server')).toMatchObject({ allowed: true, remaining: 0, resetSeconds: 50 });
    expect(await limiter.take('K', 'server')).toMatchObject({ allowed: false, remaining: 0 });
    expect([...counter.docs.keys()]).toEqual([`issue:K:${T}`]);
    expect(counter.docs.get(`issue:K:${T}`)!.expireAt).toBe(T + 120_000);
    now = T + 60_000;
    expect((await limiter.take('K', 'server')).allowed).toBe(true);
    expect((await limiter.take('M', 'mobile')).remaining).toBe(4);
  });
});
