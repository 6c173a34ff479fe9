/**
 * The leased-block decision, pure. A shared counter numbers the units of an allowance (one
 * counter per subject and window); an instance takes a block of `size` units by adding `size` to
 * it, and owns the units numbered `(value - size, value]`: those up to the limit are its to
 * serve from memory, with no datastore call, until they are spent.
 *
 * Units are never given twice (the counter only grows, each addition is applied once), so all
 * instances together never admit more than the limit. What they may admit less of is units
 * leased and not spent: blocks are a fraction of what is left (`1/BLOCK_DIVISOR`), so they
 * shrink to single units as the allowance runs out, and a block stranded on an idle instance is
 * small. The read-back value may include other instances' later additions (it is an upper
 * bound): counting our units from it can only undercount them, never overcount.
 */

export const BLOCK_DIVISOR = 32;

export interface Lease {
  /** Units leased by this instance and not yet spent. */
  held: number;
  /** The highest counter value this instance has seen: every unit up to it is someone's. */
  seen: number;
}

export type Step = { kind: 'serve' } | { kind: 'lease'; size: number } | { kind: 'refuse' };

export const EMPTY_LEASE: Lease = { held: 0, seen: 0 };

/** What to do for a request of `cost` units against `limit`. */
export function nextStep(lease: Lease, limit: number, cost: number): Step {
  if (lease.held >= cost) return { kind: 'serve' };
  const need = cost - lease.held;
  const unleased = limit - lease.seen;
  if (unleased < need) return { kind: 'refuse' };
  return { kind: 'lease', size: Math.max(need, Math.floor(unleased / BLOCK_DIVISOR)) };
}

/** The lease after adding `size` to the counter and reading back `value` (at or after our addition). */
export function afterLease(lease: Lease, size: number, value: number, limit: number): Lease {
  const ours = Math.min(size, Math.max(0, limit - (value - size)));
  return { held: lease.held + ours, seen: Math.max(lease.seen, value) };
}

/** The lease after serving `cost` units from it. */
export function spend(lease: Lease, cost: number): Lease {
  return { ...lease, held: lease.held - cost };
}

/** What this instance knows is left: its own units plus those nobody has leased yet. */
export function remainingOf(lease: Lease, limit: number): number {
  return Math.max(0, lease.held + Math.max(0, limit - lease.seen));
}
