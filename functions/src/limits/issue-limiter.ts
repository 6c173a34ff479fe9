/**
 * Token issuances per key per minute, by key type (config.rateLimits[type].issuePerMinute),
 * counted across instances on the shared limiter. Counted only after the credential verified,
 * so nobody can spend another key's budget.
 */
import type { KeyType } from '../identity';
import type { LimitDecision, Limiter } from './limiter';
import { allowanceOf } from './rules';

export interface IssueLimiter {
  take(keyId: string, type: KeyType): Promise<LimitDecision>;
}

export function issueLimiter(limiter: Limiter, limits: Record<KeyType, { issuePerMinute: number }>, now: () => number = Date.now): IssueLimiter {
  return {
    take: (keyId, type) => limiter.take(allowanceOf('issue', keyId, { limit: limits[type].issuePerMinute, period: 'minute' }, now())),
  };
}
