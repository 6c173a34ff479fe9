/**
 * An owner's own limits and credits, shared by all their keys (`GET`/`PATCH /v1/me/limits`):
 * the same settings a key takes (keys/limits.ts), counted on top of each key's own, so the
 * tighter wins (limits/plan.ts). Read with any credential of the owner; changed only with an
 * interactive one, so that a leaked key cannot lift the cap that contains it. Changes are
 * audited as `limits.update` before the answer, and undone when the log cannot be written.
 */
import { auditRequest, type AuditEvent, type AuditSink } from '../audit/events';
import { auditedChange } from './audited-change';
import { isFault, isKeywardError, KeywardError } from '../errors';
import { isInteractive, type Identity } from '../identity';
import { creditsView, MAX_CREDITS, withinCeiling, type StoredCredits, type LimitsCeiling } from '../keys/limits';
import { parseRequest } from '../contract/parse';
import type { Body } from '../request';
import type { OutagePolicy } from '../limits/limiter';
import type { RequestContext } from '../request';
import type { OwnerLimits, OwnerLimitsStore } from '../store/owner-limits';

export interface OwnerLimitsDeps {
  store: OwnerLimitsStore;
  /** Caches the settings per owner (a miss is cached as null): read on every key-based request. */
  cache: { get(uid: string): Promise<OwnerLimits | null>; set(uid: string, value: OwnerLimits | null): void; peek?(uid: string): OwnerLimits | null | undefined };
  audit: AuditSink;
  /** The most an owner may set: all their keys at their key type's ceiling (actions/owner-limits.ts `ownerCeiling`). */
  ceiling: LimitsCeiling;
  /** Credits the owner's keys have spent together in the current period (limits/plan.ts `creditsCounter`). */
  creditsSpent: (uid: string, credits: StoredCredits) => Promise<number>;
  /** `open`: an owner whose settings cannot be read is counted as having none (KEYWARD_LIMITS_ON_OUTAGE). */
  onOutage: OutagePolicy;
  now: () => number;
}

/** What the API shows: the same shapes as a key's `limits` and `credits`. */
export interface OwnerLimitsView {
  limits: OwnerLimits['limits'];
  credits: ReturnType<typeof creditsView> | null;
  updatedAt: string | null;
}

/**
 * An owner's limits never go above what the project lets their keys do together: every key they
 * may hold at the highest key type's calls per minute (and a day of those).
 */
export function ownerCeiling(callsPerMinute: number[], keysPerUser: number): LimitsCeiling {
  const perMinute = Math.max(...callsPerMinute) * keysPerUser;
  return { requestsPerMinute: perMinute, requestsPerDay: perMinute * 1440, credits: MAX_CREDITS };
}

/** Whose limits a request sees: the key's owner (the delegating one under `On-Behalf-Of`), or the person signed in. */
export const ownerOf = (identity: Identity) => identity.actor ?? identity.uid;

const NONE: OwnerLimits = { limits: null, credits: null, updatedAt: 0 };

export function ownerLimits(deps: OwnerLimitsDeps) {
  async function view(uid: string, settings: OwnerLimits | null): Promise<OwnerLimitsView> {
    const s = settings ?? NONE;
    const now = deps.now();
    const spent = s.credits ? await deps.creditsSpent(uid, s.credits) : 0;
    return {
      limits: s.limits,
      credits: s.credits ? creditsView(s.credits, spent, now) : null,
      updatedAt: s.updatedAt ? new Date(s.updatedAt).toISOString() : null,
    };
  }

  function parse(body: Body, current: OwnerLimits, now: number): OwnerLimits {
    const { limits, credits } = withinCeiling(parseRequest('ownerLimits', body), deps.ceiling);
    return {
      limits: limits === undefined ? current.limits : limits,
      // New credits start a fresh count (as on keys).
      credits: credits === undefined ? current.credits : credits && { ...credits, setAt: now },
      updatedAt: now,
    };
  }

  async function write(uid: string, settings: OwnerLimits): Promise<void> {
    if (settings.limits === null && settings.credits === null) await deps.store.delete(uid);
    else await deps.store.set(uid, settings);
  }

  async function load(uid: string): Promise<OwnerLimits | undefined> {
    try {
      return (await deps.cache.get(uid)) ?? undefined;
    } catch (err) {
      if (deps.onOutage === 'open' && isKeywardError(err) && err.code === 'unavailable') return undefined;
      throw err;
    }
  }

  return {
    /** The settings the call limiter applies to every key of `uid`: synchronously when cached (every key request asks). */
    of(uid: string): OwnerLimits | undefined | Promise<OwnerLimits | undefined> {
      const cached = deps.cache.peek?.(uid);
      return cached !== undefined ? (cached ?? undefined) : load(uid);
    },

    async get(identity: Identity): Promise<OwnerLimitsView> {
      const uid = ownerOf(identity);
      return view(uid, await deps.cache.get(uid));
    },

    async update(identity: Identity, body: Body, info?: RequestContext): Promise<OwnerLimitsView> {
      const target = { uid: identity.uid };
      const entry = (outcome: AuditEvent['outcome'], reason: string): AuditEvent => ({
        event: 'limits.update',
        outcome,
        actor: { uid: identity.uid, method: identity.method, keyId: identity.keyId },
        target,
        request: info && auditRequest(info),
        reason,
      });
      let before: OwnerLimits | null;
      let after: OwnerLimits;
      try {
        if (!isInteractive(identity)) throw new KeywardError('interactive_credential_required', 'Your own limits are changed with a session cookie or an ID token.');
        // Read fresh: the change is made over what Firestore holds, not over a cached copy.
        before = await deps.store.get(identity.uid);
        after = parse(body, before ?? NONE, deps.now());
      } catch (err) {
        if (isKeywardError(err) && !isFault(err)) deps.audit.access(entry('failure', err.code));
        throw err;
      }
      await write(identity.uid, after);
      const changed = (['limits', 'credits'] as const).filter((f) => body[f] !== undefined);
      await auditedChange(deps.audit, entry('success', `changed ${changed.join(', ')}`), () => (before ? deps.store.set(identity.uid, before) : deps.store.delete(identity.uid)));
      // Enforced at once on this instance, within the cache lifetime on the others.
      deps.cache.set(identity.uid, after.limits || after.credits ? after : null);
      return view(identity.uid, after);
    },
  };
}

export type OwnerLimitsService = ReturnType<typeof ownerLimits>;
