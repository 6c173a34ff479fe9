/**
 * A key's allowance as its owner sets it: request limits and credits, and how credits are counted.
 * Pure; shared by key creation, updates and the owner's own limits; never above what the project
 * allows. What is left of it after a request is `AllowanceLeft` (identity.ts, limits/call-limiter.ts).
 */
import { invalidField } from '../errors';

export interface RequestLimits {
  requestsPerMinute?: number;
  requestsPerDay?: number;
}

export type RefillInterval = 'day' | 'month';

export interface Credits {
  remaining: number;
  refill?: { amount: number; interval: RefillInterval };
}

/** Credits as stored: `setAt` starts their count, so setting them again starts afresh. */
export interface StoredCredits extends Credits {
  setAt: number;
}

/** What the project allows a key (or an owner) to be given. */
export interface LimitsCeiling {
  requestsPerMinute: number;
  requestsPerDay: number;
  credits: number;
}

export const MAX_CREDITS = 1_000_000_000;

/**
 * Limits and credits as a request sets them (their shape checked by the contract's schema,
 * contract/requests.ts), held to the ceiling: undefined when absent, null to remove them.
 * Empty limits are no limits (null).
 */
export function withinCeiling(
  settings: { limits?: RequestLimits | null; credits?: Credits | null },
  ceiling: LimitsCeiling,
): { limits?: RequestLimits | null; credits?: Credits | null } {
  const { limits, credits } = settings;
  for (const field of ['requestsPerMinute', 'requestsPerDay'] as const) {
    const value = limits?.[field];
    if (value !== undefined && value > ceiling[field]) throw invalidField(`limits.${field}`, `limits.${field} must be a whole number from 1 to ${ceiling[field]}.`);
  }
  if (credits && credits.remaining > ceiling.credits) throw invalidField('credits.remaining', `credits.remaining must be a whole number from 0 to ${ceiling.credits}.`);
  if (credits?.refill && credits.refill.amount > ceiling.credits) throw invalidField('credits.refill.amount', `credits.refill.amount must be a whole number from 1 to ${ceiling.credits}.`);
  return {
    ...(limits !== undefined ? { limits: limits && Object.keys(limits).length ? limits : null } : {}),
    ...(credits !== undefined ? { credits } : {}),
  };
}

const DAY = 86_400_000;

/** The refill period `t` falls in, `[start, end)` in epoch ms: UTC days, or UTC calendar months. */
export function refillPeriod(interval: RefillInterval, t: number): { start: number; end: number } {
  if (interval === 'day') {
    const start = t - (((t % DAY) + DAY) % DAY);
    return { start, end: start + DAY };
  }
  const d = new Date(t);
  return { start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
}

/**
 * The credits of the period `now` falls in. They are counted per refill period: the period they
 * were set in starts with `remaining`, every later one with the refill `amount` (so a refill never
 * tops them up above it). Refilled lazily: the first request of a new period finds a fresh count,
 * no scheduler involved. Without a refill they last until set again.
 * `counter` names the period's count; `refillAt` is when the next period starts.
 */
export function creditPeriod(credits: StoredCredits, now: number): { counter: string; allowance: number; refillAt: number | null } {
  if (!credits.refill) return { counter: String(credits.setAt), allowance: credits.remaining, refillAt: null };
  const period = refillPeriod(credits.refill.interval, now);
  const first = refillPeriod(credits.refill.interval, credits.setAt).start === period.start;
  return { counter: `${credits.setAt}:${period.start}`, allowance: first ? credits.remaining : credits.refill.amount, refillAt: period.end };
}

/** Credits as a key view shows them, given what was spent this period. */
export function creditsView(credits: StoredCredits, spent: number, now: number): Credits & { nextRefillAt: string | null } {
  const period = creditPeriod(credits, now);
  return {
    remaining: Math.max(0, period.allowance - spent),
    ...(credits.refill ? { refill: credits.refill } : {}),
    nextRefillAt: period.refillAt === null ? null : new Date(period.refillAt).toISOString(),
  };
}
