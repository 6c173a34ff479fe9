/**
 * Keyward's one limiter: every limit (failed verifications, calls, token issuance, session
 * sign-ins, key creation, per-key limits and credits) is an Allowance taken from it.
 *
 * `leasedLimiter` counts on shared counters (limits/counters.ts) in leased blocks (limits/lease.ts):
 * most requests are served from this instance's block without any I/O, and an instance writes
 * about once per block, not once per request. Concurrent requests on one instance wait for the
 * one lease in flight instead of each taking their own.
 */
import { isKeywardError, type RateLimitState } from '../errors';
import type { CounterStore } from './counters';
import { afterLease, defer, EMPTY_LEASE, nextStep, remainingOf, spend, type Lease } from './lease';

export interface Allowance {
  /** The counter: names the subject and the window, the same on every instance. */
  id: string;
  limit: number;
  /** Epoch ms when the window ends and the count starts over (for credits: the next refill). */
  resetAt: number;
  /** Units an instance may serve before it counts them on the shared counter (limits/lease.ts); 0 by default. */
  slack?: number;
}

export interface LimitDecision extends RateLimitState {
  allowed: boolean;
}

/** What the limiter does when the shared counters cannot be reached: refuse (503) or admit. */
export type OutagePolicy = 'closed' | 'open';

export interface Limiter {
  /** Takes `cost` units (default 1) of an allowance; refused when fewer remain. */
  take(allowance: Allowance, cost?: number): Promise<LimitDecision>;
  /**
   * `take` when it needs no I/O (the common case: this instance's block has room), synchronously;
   * undefined, having taken nothing, when it needs a lease: then call `take`.
   */
  takeNow(allowance: Allowance, cost?: number): LimitDecision | undefined;
  /** What remains of an allowance as far as this instance knows, without taking anything or any I/O. */
  peek(allowance: Allowance): LimitDecision;
}

interface State {
  lease: Lease;
  resetAt: number;
  /** The lease in flight: resolves to the error it met, if any. */
  pending?: Promise<unknown>;
}

export interface LeasedLimiterOptions {
  onOutage?: OutagePolicy;
  now?: () => number;
  maxEntries?: number;
}

export function leasedLimiter(store: CounterStore, opts: LeasedLimiterOptions = {}): Limiter {
  const now = opts.now ?? Date.now;
  const maxEntries = opts.maxEntries ?? 100_000;
  const states = new Map<string, State>();

  function stateOf(a: Allowance): State {
    let s = states.get(a.id);
    if (!s) {
      // Windows are separate counters (their ids name them), so a state is never reset, only
      // dropped: the oldest first once past their window, or when there are too many.
      for (const [id, old] of states) {
        if (old.resetAt > now() && states.size < maxEntries) break;
        if (!old.pending) states.delete(id);
        if (states.size < maxEntries) break;
      }
      s = { lease: EMPTY_LEASE, resetAt: a.resetAt };
      states.set(a.id, s);
    }
    return s;
  }

  function decision(a: Allowance, lease: Lease, allowed: boolean): LimitDecision {
    return {
      allowed,
      limit: a.limit,
      remaining: remainingOf(lease, a.limit),
      resetSeconds: Math.max(1, Math.ceil((a.resetAt - now()) / 1000)),
    };
  }

  async function lease(s: State, a: Allowance, size: number): Promise<void> {
    const reported = s.lease.unreported;
    // The counter outlives its window by a minute (clock skew between instances), then TTL deletes it.
    const value = await store.add(a.id, size, a.resetAt + 60_000);
    s.lease = afterLease(s.lease, size, value, a.limit, reported);
  }

  /** The decision when no lease is needed (served from the block or the slack, or refused); undefined otherwise. */
  function decideNow(s: State, a: Allowance, cost: number): LimitDecision | undefined {
    const step = nextStep(s.lease, a.limit, cost, a.slack);
    switch (step.kind) {
      case 'serve':
        s.lease = spend(s.lease, cost);
        return decision(a, s.lease, true);
      case 'defer':
        s.lease = defer(s.lease, cost);
        return decision(a, s.lease, true);
      case 'refuse':
        return decision(a, s.lease, false);
      case 'lease':
        if (!s.pending) {
          s.pending = lease(s, a, step.size).then(
            () => undefined,
            (err: unknown) => err,
          );
          void s.pending.then(() => (s.pending = undefined));
        }
        return undefined;
    }
  }

  return {
    takeNow(a, cost = 1) {
      return decideNow(stateOf(a), a, cost);
    },
    async take(a, cost = 1) {
      for (;;) {
        const s = stateOf(a);
        const decided = decideNow(s, a, cost);
        if (decided) return decided;
        const failed = await s.pending;
        if (failed !== undefined) {
          if (opts.onOutage === 'open' && isKeywardError(failed) && failed.code === 'unavailable') return decision(a, s.lease, true);
          throw failed;
        }
      }
    },
    peek(a) {
      const s = states.get(a.id);
      const lease = s && s.resetAt > now() ? s.lease : EMPTY_LEASE;
      return decision(a, lease, remainingOf(lease, a.limit) > 0);
    },
  };
}
