/**
 * Token issuances per key per minute, by key type (config.rateLimits[type].issuePerMinute),
 * shared by every instance through one counter document per key and window
 * (store/window-counters.ts): one increment and one read per issuance. Counted only after the
 * credential verified, so nobody can spend another key's budget.
 */
import type { KeyType } from '../identity';
import type { WindowCounter } from '../store/window-counters';
import { decide, windowEnd, windowStart, type WindowDecision } from './window';

export interface IssueLimiter {
  take(keyId: string, type: KeyType): Promise<WindowDecision>;
}

const WINDOW_MS = 60_000;

export function issueLimiter(
  counter: WindowCounter,
  limits: Record<KeyType, { issuePerMinute: number }>,
  now: () => number = Date.now,
): IssueLimiter {
  return {
    async take(keyId, type) {
      const at = now();
      const start = windowStart(at, WINDOW_MS);
      // The counter document outlives its window briefly, then Firestore's TTL deletes it.
      const count = await counter.hit(`issue:${keyId}:${start}`, windowEnd(at, WINDOW_MS) + WINDOW_MS);
      return decide(count, limits[type].issuePerMinute, at, WINDOW_MS);
    },
  };
}
