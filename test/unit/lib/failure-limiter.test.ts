import { failureLimiter } from '../../../functions/src/lib/failure-limiter';

describe('failureLimiter', () => {
  it('limits after the allowed failures and says how long to wait', () => {
    const limiter = failureLimiter(3);
    expect(limiter.fail(['ip:a'], 0)).toBeUndefined();
    expect(limiter.fail(['ip:a'], 1000)).toBeUndefined();
    expect(limiter.fail(['ip:a'], 2000)).toBeUndefined();
    expect(limiter.fail(['ip:a'], 10_000)).toBe(50);
  });

  it('counts subjects apart and starts a new window after a minute', () => {
    const limiter = failureLimiter(1);
    limiter.fail(['ip:a'], 0);
    expect(limiter.fail(['ip:b'], 0)).toBeUndefined();
    expect(limiter.fail(['ip:a'], 100)).toBeGreaterThan(0);
    expect(limiter.fail(['ip:a'], 60_001)).toBeUndefined();
  });
});
