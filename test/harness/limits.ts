// The one limiter over in-memory counters, for unit tests of code that takes limits.
import { failureLimiter, type FailureLimiter } from '../../functions/src/limits/failure-limiter';
import { leasedLimiter } from '../../functions/src/limits/limiter';
import { memoryCounters } from './memory-stores';

/** Failed verifications limited to `perMinute` per address and `perKeyHour` per key id, in memory. */
export function memoryFailureLimiter(perMinute: number, perKeyHour = 100, now: () => number = Date.now): FailureLimiter {
  return failureLimiter(leasedLimiter(memoryCounters(), { now }), {
    perAddress: { limit: perMinute, period: 'minute' },
    perKey: { limit: perKeyHour, period: 'hour' },
  });
}
