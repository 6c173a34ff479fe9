import { rateLimitHeaders } from '../../../functions/src/http/errors';
import { decide, windowEnd, windowStart } from '../../../functions/src/limits/window';

const MINUTE = 60_000;
const T = Date.UTC(2026, 0, 1, 12, 0, 0); // on a minute boundary

describe('fixed windows', () => {
  it('aligns windows to the epoch, so every instance agrees', () => {
    expect(windowStart(T, MINUTE)).toBe(T);
    expect(windowStart(T + 59_999, MINUTE)).toBe(T);
    expect(windowStart(T + 60_000, MINUTE)).toBe(T + MINUTE);
    expect(windowEnd(T + 1, MINUTE)).toBe(T + MINUTE);
    expect(windowStart(-1, MINUTE)).toBe(-MINUTE);
  });

  it('allows up to the limit, counting this request', () => {
    expect(decide(1, 3, T, MINUTE)).toEqual({ allowed: true, limit: 3, remaining: 2, resetSeconds: 60 });
    expect(decide(3, 3, T + 30_000, MINUTE)).toEqual({ allowed: true, limit: 3, remaining: 0, resetSeconds: 30 });
    expect(decide(4, 3, T + 30_000, MINUTE)).toEqual({ allowed: false, limit: 3, remaining: 0, resetSeconds: 30 });
  });

  it('rounds the reset up and never says 0 seconds', () => {
    expect(decide(1, 1, T + 59_999, MINUTE).resetSeconds).toBe(1);
    expect(decide(1, 1, T + 58_500, MINUTE).resetSeconds).toBe(2);
  });

  it('describes the decision in RateLimit headers, with Retry-After on a refusal', () => {
    expect(rateLimitHeaders(decide(2, 10, T + 15_000, MINUTE))).toEqual({
      'RateLimit-Limit': '10',
      'RateLimit-Remaining': '8',
      'RateLimit-Reset': '45',
    });
    const refused = decide(11, 10, T + 15_000, MINUTE);
    expect(rateLimitHeaders(refused, refused.resetSeconds)).toEqual({
      'RateLimit-Limit': '10',
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': '45',
      'Retry-After': '45',
    });
  });
});
