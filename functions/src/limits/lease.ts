/**
 * The leased-block decision, pure. A shared counter numbers the units of an allowance (one
 * counter per subject and window); an instance takes a block of `size` units by adding `size` to
 * it, and owns the units numbered `(value - size, value]`: those up to the limit are its to
 * serve from memory, with no datastore call, until they are spent.
 *
 * Units are never given twice (the counter only grows, each addition is applied once), so all
 * instances together never admit more than the limit (slack aside, below). What they may admit less of is units
 * leased and not spent: blocks are a fraction of what is left (`1/BLOCK_DIVISOR`), so they
 * shrink to single units as the allowance runs out, and a block stranded on an idle instance is
 * small. The read-back value may include other instances' later additions (it is an upper
 * bound): counting our units from it can only undercount them, never overcount.
 *
 * Slack (an allowance's `slack`, 0 by default): before its first lease of a window an instance
 * may serve up to `slack` units without touching the counter, and adds them to it with its first
 * lease. Traffic far below a limit then costs no datastore call at all; the price is that all
 * instances together may pass the limit by at most instances × slack (limits/plan.ts gives slack
 * only to the key type's ceiling, never to a limit or credits someone set).
 */

export const BLOCK_DIVISOR = 32;

export interface Lease {
  /** Units leased by this instance and not yet spent. */
  held: number;
  /** The highest counter value this instance has seen: every unit up to it is someone's. */
  seen: number;
  /** Units served under the slack, not yet added to the counter. */
  unreported: number;
}

export type Step = { kind: 'serve' } | { kind: 'defer' } | { kind: 'lease'; size: number } | { kind: 'refuse' };

export const EMPTY_LEASE: Lease = { held: 0, seen: 0, unreported: 0 };

const SERVE: Step = { kind: 'serve' };
const DEFER: Step = { kind: 'defer' };
const REFUSE: Step = { kind: 'refuse' };

/** What to do for a request of `cost` units against `limit`. */
export function nextStep(lease: Lease, limit: number, cost: number, slack = 0): Step {
  if (lease.held >= cost) return SERVE;
  if (lease.seen === 0 && lease.unreported + cost <= Math.min(slack, limit)) return DEFER;
  const need = cost - lease.held;
  const unleased = limit - lease.seen - lease.unreported;
  if (unleased < need) return REFUSE;
  // The units served under the slack go with this addition: the counter then holds them too.
  return { kind: 'lease', size: lease.unreported + Math.max(need, Math.floor(unleased / BLOCK_DIVISOR)) };
}

/**
 * The lease after adding `size` to the counter and reading back `value` (at or after our
 * addition), where `reported` of the added units were already served under the slack.
 */
export function afterLease(lease: Lease, size: number, value: number, limit: number, reported = 0): Lease {
  const ours = Math.min(size, Math.max(0, limit - (value - size)));
  return { held: Math.max(0, lease.held + ours - reported), seen: Math.max(lease.seen, value), unreported: lease.unreported - reported };
}

/** The lease after serving `cost` units from it. */
export function spend(lease: Lease, cost: number): Lease {
  return { held: lease.held - cost, seen: lease.seen, unreported: lease.unreported };
}

/** The lease after serving `cost` units under the slack. */
export function defer(lease: Lease, cost: number): Lease {
  return { held: lease.held, seen: lease.seen, unreported: lease.unreported + cost };
}

/** What this instance knows is left: its own units plus those nobody has leased yet. */
export function remainingOf(lease: Lease, limit: number): number {
  return Math.max(0, lease.held + Math.max(0, limit - lease.seen - lease.unreported));
}
