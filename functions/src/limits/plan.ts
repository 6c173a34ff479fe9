/**
 * Which allowances a key-based request draws on, pure: the calls per minute of its key type
 * (or the key's own, lower, limit), the key's requests per day, its owner's limits shared by all
 * their keys, and last its credits, so that a request refused by a rate limit spends no credit.
 *
 * Credits are a count per refill period (keys/limits.ts `creditPeriod`).
 */
import { creditPeriod, type StoredCredits, type RequestLimits } from '../keys/limits';
import type { Allowance } from './limiter';
import { allowanceOf } from './rules';

export interface Meter {
  kind: 'rate' | 'credits';
  allowance: Allowance;
  /** Credits: when they are next refilled (epoch ms), or null without a refill. */
  nextRefillAt?: number | null;
}

export interface CallSubject {
  keyId: string;
  ownerUid: string;
  /** The key type's calls per minute: the project's ceiling. */
  typePerMinute: number;
  limits?: RequestLimits | null;
  credits?: StoredCredits | null;
  ownerLimits?: RequestLimits | null;
  ownerCredits?: StoredCredits | null;
}

const DAY = 86_400_000;

/** The credits meter of a key (or an owner): this period's count, refused past its allowance. */
export function creditsMeter(name: string, subject: string, credits: StoredCredits, now: number): Meter {
  const period = creditPeriod(credits, now);
  // Without a refill the credits come back only when the owner sets new ones: callers are told to retry in a day.
  const resetAt = period.refillAt ?? now + DAY;
  return {
    kind: 'credits',
    allowance: { id: creditsCounter(name, subject, credits, now), limit: period.allowance, resetAt },
    nextRefillAt: period.refillAt,
  };
}

/** The counter of this period's spent credits (also read by key views). */
export function creditsCounter(name: string, subject: string, credits: StoredCredits, now: number): string {
  return `${name}:${encodeURIComponent(subject)}:${creditPeriod(credits, now).counter}`;
}

/**
 * The key type's ceiling is a project-wide guard far above most keys' traffic: an instance may
 * serve 1/320 of it before counting (limits/lease.ts), so a key well below it costs no counter
 * write at all. With the default 10 instances at most (KEYWARD_MAX_INSTANCES) all of them
 * together pass the ceiling by at most 1/32 of it. Limits and credits set on a key or an owner
 * get no slack: they are counted exactly.
 */
export const TYPE_CEILING_SLACK_DIVISOR = 320;

export function callMeters(s: CallSubject, now: number): Meter[] {
  const ownPerMinute = s.limits?.requestsPerMinute ?? Infinity;
  const perMinute = Math.min(s.typePerMinute, ownPerMinute);
  const calls = allowanceOf('calls', s.keyId, { limit: perMinute, period: 'minute' }, now);
  if (ownPerMinute > s.typePerMinute) calls.slack = Math.floor(s.typePerMinute / TYPE_CEILING_SLACK_DIVISOR);
  const meters: Meter[] = [{ kind: 'rate', allowance: calls }];
  if (s.limits?.requestsPerDay) meters.push({ kind: 'rate', allowance: allowanceOf('calls-day', s.keyId, { limit: s.limits.requestsPerDay, period: 'day' }, now) });
  if (s.ownerLimits?.requestsPerMinute) meters.push({ kind: 'rate', allowance: allowanceOf('owner-calls', s.ownerUid, { limit: s.ownerLimits.requestsPerMinute, period: 'minute' }, now) });
  if (s.ownerLimits?.requestsPerDay) meters.push({ kind: 'rate', allowance: allowanceOf('owner-calls-day', s.ownerUid, { limit: s.ownerLimits.requestsPerDay, period: 'day' }, now) });
  if (s.credits) meters.push(creditsMeter('credits', s.keyId, s.credits, now));
  if (s.ownerCredits) meters.push(creditsMeter('owner-credits', s.ownerUid, s.ownerCredits, now));
  return meters;
}
