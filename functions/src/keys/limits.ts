/**
 * Per-key usage settings: request limits and credits. Pure parsing and validation, shared by
 * key creation, updates and the owner's own limits; never above what the project allows.
 */
import { invalidField } from '../errors';

export interface UsageLimits {
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
export interface UsageCeiling {
  requestsPerMinute: number;
  requestsPerDay: number;
  credits: number;
}

export const MAX_CREDITS = 1_000_000_000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function only(value: Record<string, unknown>, field: string, allowed: string[]): void {
  const extra = Object.keys(value).filter((k) => !allowed.includes(k));
  if (extra.length) throw invalidField(field, `${field} has unknown fields: ${extra.slice(0, 5).map((f) => f.slice(0, 40)).join(', ')}.`);
}

function count(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidField(field, `${field} must be a whole number from ${min} to ${max}.`);
  }
  return value;
}

/** `limits` from a request body: undefined when absent, null to remove them. */
export function parseLimits(value: unknown, ceiling: UsageCeiling): UsageLimits | null | undefined {
  if (value === undefined || value === null) return value;
  if (!isObject(value)) throw invalidField('limits', 'limits must be an object: {requestsPerMinute?, requestsPerDay?}.');
  only(value, 'limits', ['requestsPerMinute', 'requestsPerDay']);
  const out: UsageLimits = {};
  if (value.requestsPerMinute !== undefined) out.requestsPerMinute = count(value.requestsPerMinute, 'limits.requestsPerMinute', 1, ceiling.requestsPerMinute);
  if (value.requestsPerDay !== undefined) out.requestsPerDay = count(value.requestsPerDay, 'limits.requestsPerDay', 1, ceiling.requestsPerDay);
  return out;
}

/** `credits` from a request body: undefined when absent, null to remove them (unmetered). */
export function parseCredits(value: unknown, ceiling: UsageCeiling): Credits | null | undefined {
  if (value === undefined || value === null) return value;
  if (!isObject(value)) throw invalidField('credits', 'credits must be an object: {remaining, refill?: {amount, interval}}.');
  only(value, 'credits', ['remaining', 'refill']);
  const out: Credits = { remaining: count(value.remaining, 'credits.remaining', 0, ceiling.credits) };
  if (value.refill !== undefined) {
    const refill = value.refill;
    if (!isObject(refill)) throw invalidField('credits.refill', 'credits.refill must be an object: {amount, interval}.');
    only(refill, 'credits.refill', ['amount', 'interval']);
    if (refill.interval !== 'day' && refill.interval !== 'month') throw invalidField('credits.refill.interval', 'credits.refill.interval must be day or month.');
    out.refill = { amount: count(refill.amount, 'credits.refill.amount', 1, ceiling.credits), interval: refill.interval };
  }
  return out;
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
