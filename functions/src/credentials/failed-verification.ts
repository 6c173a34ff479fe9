/**
 * Failed verifications of every credential kind count towards the per-address failure limit
 * (limits/failure-limiter.ts): session cookies, ID tokens and access tokens through the pipeline,
 * which calls this once for each of their refusals, so one failed request counts once. A
 * credential refused as malformed before any verification never counts: it costs no datastore
 * operation, and can never be a right guess. Key and signature secrets are checked in `matchingRecord`
 * (key-credential.ts), which also serves token issuance and OAuth outside the pipeline: it counts
 * its refusals there, per address and per key id, and marks them `failureCounted`.
 *
 * What counts is a credential that is not authentic (a guess, a forgery, garbage): an expired or
 * revoked one was valid once and is not a guess, as for keys. Past the limit the refusal becomes
 * 429 `rate_limited` with Retry-After; a valid credential is never refused by it.
 */
import { KeywardError, type ErrorCode } from '../errors';
import type { FailureLimiter } from '../limits/failure-limiter';

const NOT_AUTHENTIC = new Set<ErrorCode>(['invalid_credential', 'invalid_signature']);

export const tooManyFailures = (retryAfterSeconds: number) => new KeywardError('rate_limited', 'Too many failed attempts; slow down.', { retryAfterSeconds });

/** Counts a refusal against the address if it is a failed verification not counted yet; returns what to answer. */
export async function countFailedVerification(failures: FailureLimiter, ip: string, err: KeywardError, now: number): Promise<KeywardError> {
  if (!NOT_AUTHENTIC.has(err.code) || err.details.failureCounted) return err;
  const wait = await failures.fail({ ip }, now);
  return wait === undefined ? err : tooManyFailures(wait);
}
