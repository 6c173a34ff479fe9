/**
 * Named limits on the one limiter: a rule (so many per period) applied to a subject (an
 * address, a user, a key) becomes an Allowance whose counter every instance names alike.
 */
import { KeywardError, type ErrorCode } from '../errors';
import type { Allowance, LimitDecision, Limiter } from './limiter';
import { periodWindow, type Period } from './window';

export interface Rule {
  limit: number;
  period: Period;
}

/** The allowance of `rule` for `subject` in the window `now` falls in. */
export function allowanceOf(name: string, subject: string, rule: Rule, now: number): Allowance {
  const { start, end } = periodWindow(rule.period, now);
  // Document ids may not hold '/': subjects (addresses, uids) are encoded.
  return { id: `${name}:${encodeURIComponent(subject)}:${start}`, limit: rule.limit, resetAt: end };
}

/** The refusal for a decision that was not allowed: 429 with `Retry-After` and `RateLimit-*`. */
export function limitRefusal(decision: LimitDecision, message: string, code: ErrorCode = 'rate_limited'): KeywardError {
  const { limit, remaining, resetSeconds } = decision;
  return new KeywardError(code, message, { rateLimit: { limit, remaining, resetSeconds }, retryAfterSeconds: resetSeconds });
}

/** Takes one unit of `rule` for `subject`, or throws the 429. */
export async function enforce(limiter: Limiter, name: string, subject: string, rule: Rule, now: number, message: string): Promise<LimitDecision> {
  const decision = await limiter.take(allowanceOf(name, subject, rule, now));
  if (!decision.allowed) throw limitRefusal(decision, message);
  return decision;
}
