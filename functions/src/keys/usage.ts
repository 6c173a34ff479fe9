/**
 * Usage: the daily request and failure counts of a key, stored in the usage documents
 * `usage/{keyId}_{yyyy-mm-dd}` and read by `GET /v1/usage` (actions/usage.ts). Written by the use
 * recorder (keys/use-recorder.ts); shared by the report's types (keys/usage-report.ts).
 */
export interface UsageCounts {
  requests: number;
  failures: number;
}

/** `2026-11-30`: the UTC day of an instant, the key of a usage document. */
export function utcDay(at: number): string {
  // Called for every request: the string is made once per day, not per request.
  const day = Math.floor(at / DAY_MS);
  if (day !== lastDay.day) lastDay = { day, text: new Date(day * DAY_MS).toISOString().slice(0, 10) };
  return lastDay.text;
}

const DAY_MS = 86_400_000;
let lastDay = { day: NaN, text: '' };
