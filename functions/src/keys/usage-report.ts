/**
 * The usage report `GET /v1/usage` and `getUsage` answer with (actions/usage.ts builds it). Types
 * only, and nothing but keys/usage.ts behind them, so the console type-checks against the same
 * shape without pulling in the server.
 */
import type { UsageCounts } from './usage';

export interface UsageReport {
  from: string;
  to: string;
  uid: string;
  keyId: string | null;
  totals: UsageCounts;
  /** Every day of the range, oldest first, zeros included. */
  days: Array<{ day: string } & UsageCounts>;
  /** Per key over the range, busiest first; only keys used in it. */
  keys: Array<{ keyId: string } & UsageCounts>;
}
