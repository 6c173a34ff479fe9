/**
 * Calls per key per minute, by key type (config.rateLimits[type].callsPerMinute), counted in
 * this instance's memory: no datastore operation per request. Across instances the limit is
 * therefore approximate: N warm instances together admit up to N times the limit. It bounds a
 * runaway client cheaply; the shared, exact limit is on token issuance (limits/issue-limiter.ts).
 */
import type { Identity, KeyType } from '../identity';
import { KeywardError } from '../errors';
import { decide, windowStart, type WindowDecision } from './window';

export interface CallLimiter {
  /** Counts a call of a key-based identity; throws 429 when its key is over the limit. */
  check(identity: Pick<Identity, 'keyId' | 'keyType'>): void;
  /** Counts a call and returns the decision without throwing. */
  take(keyId: string, type: KeyType): WindowDecision;
}

const WINDOW_MS = 60_000;

export function callLimiter(
  limits: Record<KeyType, { callsPerMinute: number }>,
  now: () => number = Date.now,
  maxKeys = 100_000,
): CallLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  const take = (keyId: string, type: KeyType): WindowDecision => {
    const at = now();
    const start = windowStart(at, WINDOW_MS);
    let w = windows.get(keyId);
    if (!w || w.start !== start) {
      w = { start, count: 0 };
      windows.delete(keyId); // re-insert: Map order is then oldest window first
      windows.set(keyId, w);
      if (windows.size > maxKeys) windows.delete(windows.keys().next().value as string);
    }
    w.count++;
    return decide(w.count, limits[type].callsPerMinute, at, WINDOW_MS);
  };
  return {
    take,
    check(identity) {
      if (identity.keyId === undefined || identity.keyType === undefined) return;
      const d = take(identity.keyId, identity.keyType);
      if (!d.allowed) throw new KeywardError('rate_limited', 'Too many calls with this key; slow down.', { rateLimit: d, retryAfterSeconds: d.resetSeconds });
    },
  };
}
