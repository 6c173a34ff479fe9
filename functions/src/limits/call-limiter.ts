/**
 * Admission of key-based requests (API key, access token, signed request: any identity with a
 * key id): the key type's calls per minute, the key's own limits, its owner's, and its credits
 * (limits/plan.ts), all counted across instances on the shared limiter. Past a rate limit: 429
 * `rate_limited`; past the credits: 429 `quota_exceeded`; both with `Retry-After` and
 * `RateLimit-*`. The first refusal of a window is audited once (`key.limit`), across instances.
 */
import { auditRequest, type AuditSink } from '../audit/events';
import type { AllowanceLeft, Identity, KeyType } from '../identity';
import { KeywardError } from '../errors';
import type { RequestLimits, StoredCredits } from '../keys/limits';
import type { KeyRecord } from '../keys/record';
import type { RequestContext } from '../request';
import type { CounterStore } from './counters';
import type { LimitDecision, Limiter } from './limiter';
import { callMeters, type Meter } from './plan';
import { limitRefusal } from './rules';

/** An owner's own limits and credits, shared by all their keys (store/owner-limits.ts). */
export interface OwnerLimitsAndCredits {
  limits?: RequestLimits | null;
  credits?: StoredCredits | null;
}

export interface CallLimiterDeps {
  limiter: Limiter;
  counters: Pick<CounterStore, 'once' | 'read'>;
  typeLimits: Record<KeyType, { callsPerMinute: number }>;
  /**
   * The key record of a key-based identity: the one its verification used (credentials/verified-key.ts),
   * so the common case looks nothing up; synchronously when at hand.
   */
  keyOf: (identity: Identity & { keyId: string }) => KeyRecord | null | Promise<KeyRecord | null>;
  /** The owner's own limits, shared by all their keys: synchronously when cached. */
  ownerOf?: (uid: string) => OwnerLimitsAndCredits | undefined | Promise<OwnerLimitsAndCredits | undefined>;
  audit: AuditSink;
  now: () => number;
  /** Told once per refused window, across instances (the owner's `key.limit` notice). */
  onFirstRefusal?: (record: KeyRecord, refusal: { kind: 'rate_limited' | 'quota_exceeded'; window: string; limit: number; resetAt: number }) => Promise<unknown>;
}

export interface CallLimiter {
  /**
   * Takes a request of `cost` credits (default 1) for a key-based identity, and says what the key's
   * allowance has left after it (`RateLimit-*` headers, `usage` in `/v1/me`); undefined for other credentials.
   */
  admit(identity: Identity, info: RequestContext, cost?: number): Promise<AllowanceLeft | undefined>;
}

const MAX_MARKS = 10_000;

export function callLimiter(deps: CallLimiterDeps): CallLimiter {
  // Windows this instance already saw refused: only the first refusal per window looks for the shared marker.
  const marked = new Set<string>();

  function auditFirstRefusal(meter: Meter, identity: Identity, record: KeyRecord, info: RequestContext): void {
    const { id, resetAt, limit } = meter.allowance;
    if (marked.has(id)) return;
    marked.add(id);
    if (marked.size > MAX_MARKS) marked.delete(marked.values().next().value as string);
    deps.counters
      .once(`limit:${id}`, resetAt + 60_000)
      .then((first) => {
        if (!first) return;
        const kind = meter.kind === 'credits' ? 'quota_exceeded' : 'rate_limited';
        void deps.onFirstRefusal?.(record, { kind, window: id, limit, resetAt }).catch(() => undefined);
        deps.audit.access({
          event: 'key.limit',
          outcome: 'failure',
          actor: { uid: identity.uid, method: identity.method, keyId: record.keyId },
          target: { uid: record.ownerUid, keyId: record.keyId },
          request: auditRequest(info),
          reason: `${meter.kind === 'credits' ? 'quota_exceeded' : 'rate_limited'}: ${id.split(':')[0]} ${limit}`,
        });
      })
      .catch(() => undefined); // the refusal stands; only its audit marker was lost
  }

  // A key's meters for the current windows, made once per cached record (a reloaded record is a
  // new object) and window rather than per request: the allowance ids stay the same strings.
  const plans = new WeakMap<KeyRecord, { owner: OwnerLimitsAndCredits | undefined; from: number; until: number; meters: Meter[] }>();

  /** Synchronous unless the owner's settings must be waited for. */
  function metersOf(record: KeyRecord): Meter[] | Promise<Meter[]> {
    const owner = deps.ownerOf?.(record.ownerUid);
    return owner instanceof Promise ? owner.then((o) => metersFor(record, o)) : metersFor(record, owner);
  }

  function metersFor(record: KeyRecord, owner: OwnerLimitsAndCredits | undefined): Meter[] {
    const now = deps.now();
    const hit = plans.get(record);
    if (hit && hit.owner === owner && now >= hit.from && now < hit.until) return hit.meters;
    const meters = plan(record, owner, now);
    // Valid until the first window ends, and for a second at most (a Retry-After counted from now).
    let until = now + 1000;
    for (const m of meters) until = Math.min(until, m.allowance.resetAt);
    plans.set(record, { owner, from: now, until, meters });
    return meters;
  }

  function plan(record: KeyRecord, owner: OwnerLimitsAndCredits | undefined, now: number): Meter[] {
    return callMeters(
      {
        keyId: record.keyId,
        ownerUid: record.ownerUid,
        typePerMinute: deps.typeLimits[record.type].callsPerMinute,
        limits: record.limits,
        credits: record.credits,
        ownerLimits: owner?.limits,
        ownerCredits: owner?.credits,
      },
      now,
    );
  }

  const refillIso = (meter: Meter) => (meter.nextRefillAt ? new Date(meter.nextRefillAt).toISOString() : null);

  return {
    async admit(identity, info, cost = 1) {
      if (identity.keyId === undefined || identity.keyType === undefined) return undefined;
      // The common case (a cached key, room left in this instance's blocks) awaits nothing.
      const found = deps.keyOf(identity as Identity & { keyId: string });
      const record = found instanceof Promise ? await found : found;
      if (!record) return undefined;
      const planned = metersOf(record);
      const meters = planned instanceof Promise ? await planned : planned;
      let tightest: LimitDecision | undefined;
      let credits: AllowanceLeft['credits'];
      // One after the other, rate limits first: a request refused by a rate limit spends no credit.
      for (const meter of meters) {
        const units = meter.kind === 'credits' ? cost : 1;
        const decision = deps.limiter.takeNow(meter.allowance, units) ?? (await deps.limiter.take(meter.allowance, units));
        if (!decision.allowed) {
          auditFirstRefusal(meter, identity, record, info);
          // The owner's limits are shared by all their keys: say so, since this key alone may be well within its own.
          const whose = meter.allowance.id.startsWith('owner-') ? 'your keys together' : 'this key';
          throw meter.kind === 'credits'
            ? limitRefusal(decision, `The credits of ${whose} are used up.`, 'quota_exceeded')
            : limitRefusal(decision, `Too many calls with ${whose}; slow down.`);
        }
        if (meter.kind === 'rate' && (!tightest || decision.remaining < tightest.remaining)) tightest = decision;
        if (meter.kind === 'credits' && (!credits || decision.remaining < credits.remaining)) {
          credits = { remaining: decision.remaining, nextRefillAt: refillIso(meter) };
        }
      }
      const { limit, remaining, resetSeconds } = tightest!;
      return { rateLimit: { limit, remaining, resetSeconds }, ...(credits ? { credits } : {}) };
    },
  };
}

/** A request's cost, as a protected endpoint sets it: a whole number of credits, at least 1. */
export function checkCost(cost: number): number {
  if (!Number.isInteger(cost) || cost < 1 || cost > 1_000_000) throw new KeywardError('internal', 'A request cost must be a whole number from 1 to 1000000.');
  return cost;
}
