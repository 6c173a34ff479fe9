/**
 * Audit reads within Cloud Logging's quota: `entries.list` is limited to 60 calls a minute for a
 * whole project (not raisable), shared by everyone who reads the trail. Every call Keyward makes
 * for `GET /v1/audit`, `/v1/audit/verify`, `/v1/audit/export` and `queryAuditLog` first takes one
 * unit of the caller's budget and one of the project's, counted across instances on the shared
 * limiter (config.auditReads, defaults below Google's limit). So one user cannot spend the
 * project's quota for everyone, and the project stays below Google's, where its answer would be
 * RESOURCE_EXHAUSTED for every reader at once.
 *
 * The caller's budget is taken first: a user over their own budget is refused without spending
 * the project's. A unit taken from the caller when the project then refuses is not given back
 * (counters only grow): it makes that caller wait at most one unit sooner.
 *
 * A verification or an export reads a whole range, often dozens of pages: it takes one unit of
 * the caller's budget for the request and one of the project's per page (`takeUser`, then
 * `takeProject`), so an auditor can verify a busy day while the project stays below Google's quota.
 */
import { KeywardError } from '../errors';
import type { LimitDecision, Limiter } from './limiter';
import { allowanceOf, type Rule } from './rules';

export interface AuditReadRules {
  perUser: Rule;
  perProject: Rule;
}

export interface AuditReadLimiter {
  /** Takes one `entries.list` call for `uid`: the caller's budget, then the project's; or throws 429 `rate_limited` with `Retry-After`. */
  take(uid: string): Promise<void>;
  /** The caller's budget alone (once for a request that reads many pages), or the 429. */
  takeUser(uid: string): Promise<void>;
  /** The project's budget alone (each page of such a request), or the 429. */
  takeProject(): Promise<void>;
}

/** The refusal, with the wait in its message too: the console shows it as is. */
export function auditReadRefusal(decision: LimitDecision): KeywardError {
  const { limit, remaining, resetSeconds } = decision;
  return new KeywardError('rate_limited', `Too many audit reads; try again in ${resetSeconds} s.`, { rateLimit: { limit, remaining, resetSeconds }, retryAfterSeconds: resetSeconds });
}

/** `subject` names the project's budget: the project (or kit instance) whose quota it guards. */
export function auditReadLimiter(limiter: Limiter, rules: AuditReadRules, subject: string, now: () => number = Date.now): AuditReadLimiter {
  async function takeUser(uid: string): Promise<void> {
    const user = await limiter.take(allowanceOf('audit-read-user', uid, rules.perUser, now()));
    if (!user.allowed) throw auditReadRefusal(user);
  }
  async function takeProject(): Promise<void> {
    const project = await limiter.take(allowanceOf('audit-read-project', subject, rules.perProject, now()));
    if (!project.allowed) throw auditReadRefusal(project);
  }
  return {
    async take(uid) {
      await takeUser(uid);
      await takeProject();
    },
    takeUser,
    takeProject,
  };
}
