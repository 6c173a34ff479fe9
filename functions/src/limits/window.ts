/**
 * Fixed-window rate limit arithmetic. Windows are aligned to the epoch (every minute starts at
 * :00), so every instance and the datastore agree on which window a request falls in without
 * talking to each other. Pure.
 */

export interface WindowDecision {
  allowed: boolean;
  limit: number;
  /** Requests left in this window after this one (0 when refused). */
  remaining: number;
  /** Whole seconds until the window ends (at least 1). */
  resetSeconds: number;
}

/** Start (epoch ms) of the window `now` falls in. */
export function windowStart(now: number, windowMs: number): number {
  return now - (((now % windowMs) + windowMs) % windowMs);
}

/** End (epoch ms, exclusive) of the window `now` falls in. */
export function windowEnd(now: number, windowMs: number): number {
  return windowStart(now, windowMs) + windowMs;
}

/** The decision for the `count`-th request of its window (count includes this request). */
export function decide(count: number, limit: number, now: number, windowMs: number): WindowDecision {
  const allowed = count <= limit;
  return {
    allowed,
    limit,
    remaining: allowed ? limit - count : 0,
    resetSeconds: Math.max(1, Math.ceil((windowEnd(now, windowMs) - now) / 1000)),
  };
}

import { refillPeriod } from '../keys/limits';

/** The windows limits are counted in. Minutes, hours and days are fixed lengths; months follow the UTC calendar. */
export type Period = 'minute' | 'hour' | 'day' | 'month';

const PERIOD_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/** The window of `period` that `now` falls in, `[start, end)` in epoch ms, aligned in UTC. */
export function periodWindow(period: Period, now: number): { start: number; end: number } {
  if (period === 'month') return refillPeriod('month', now);
  return { start: windowStart(now, PERIOD_MS[period]), end: windowEnd(now, PERIOD_MS[period]) };
}
