/**
 * Key management: create, list, read, regenerate, revoke. Shared by the REST routes and the
 * console's callable functions. Every change is written, then audited before the response; if
 * the audit write fails the change is undone and the caller gets 503 (nothing half-done), except a
 * revocation, which always stands (its audit failure is logged for operators).
 */
import { randomInt } from 'node:crypto';
import { auditRequest, type AuditEvent, type AuditSink } from '../audit/events';
import { auditedChange } from './audited-change';
import type { Config } from '../config';
import type { KeyCache } from '../credentials/key-credential';
import { APP_ID_PATTERN } from '../credentials/app-check';
import { isInteractive, isKeyType, type Identity, type KeyType } from '../identity';
import { invalidField, isKeywardError, isFault, KeywardError } from '../errors';
import type { RequestContext } from '../request';
import { onlyFields, optionalInt, optionalString, optionalStringList, parseIsoDate, requiredString, type Body } from '../lib/validate';
import type { ProviderSecret } from '../secrets/provider';
import { revisionOf, type KeyRecord, type KeyStore, type StoredSecret } from '../keys/record';
import { keyStatus, secretLive, secretMayWork } from '../keys/status';
import { slotState } from '../keys/slots';
import type { KeySlotStore } from '../store/key-slots';
import type { ChangeWriter } from '../store/changes';
import type { UserDirectory } from '../store/users';
import { keyDigest, signingSecret } from '../keys/digest';
import { formatKey, isKeyId, newKeyId, newSecret, randomBase62 } from '../keys/format';
import { NAME_PATTERN, parseIps, parseMetadata, parseOrigins, parsePatch, parseScopes, type KeyChange } from '../keys/patch';
import { scopesBeyond } from '../keys/restrictions';
import type { UsageTracker } from '../keys/usage';
import { keyView } from '../keys/view';
import { MAX_CREDITS, parseCredits, parseLimits, type UsageCeiling } from '../keys/limits';

export interface KeyServiceDeps {
  config: Config;
  store: KeyStore;
  slots: KeySlotStore;
  cache: KeyCache;
  /** The change feed (store/changes.ts): the store writes entries with each change; this re-sends one. */
  changes?: Pick<ChangeWriter, 'publish'>;
  hmacSecret: ProviderSecret;
  users: UserDirectory;
  audit: AuditSink;
  usage: UsageTracker;
  now: () => number;
  /** Key creations per user (limits/rules.ts): throws 429 past the limit. */
  createLimit?: (uid: string) => Promise<unknown>;
  /** Credits this key has spent in their current period (limits/plan.ts); 0 when not wired. */
  creditsSpent?: (record: KeyRecord) => Promise<number>;
  /** Told of every revocation, on every path (the owner's `key.revoked` notice); its failure does not undo it. */
  onRevoked?: (record: KeyRecord, by: 'owner' | 'key' | 'secret_scanning') => Promise<unknown>;
}

const DAY = 86_400_000;
const MAX_GRACE_SECONDS = 604_800;

const interactiveOnly = () =>
  new KeywardError('interactive_credential_required', 'Keys are managed with a session cookie or an ID token.');
const notFound = () => new KeywardError('not_found', 'No such key.');

export function keyService(deps: KeyServiceDeps) {
  const { config, store, cache, audit } = deps;

  async function mintSecret(type: KeyType, keyId: string) {
    const versions = await deps.hmacSecret.versions();
    const prefix = config.keys.prefix;
    const secret = newSecret(type, keyId, prefix);
    const salt = randomBase62(16);
    const stored: StoredSecret = {
      digest: keyDigest(versions.current.material, keyId, secret),
      version: versions.current.version,
      salt,
      notAfter: null,
      signingPrefix: prefix,
    };
    return {
      stored,
      key: formatKey({ prefix, type, keyId, secret }),
      signingSecret: signingSecret(versions.current.material, keyId, salt, prefix),
    };
  }

  /**
   * One of the owner's `maxPerUser` slots for a new key (keys/slots.ts), or 409. A slot another
   * create took first is skipped; one fresh look settles a race, then the cap stands.
   */
  async function takeSlot(ownerUid: string, keyId: string, expiresAt: number, now: number): Promise<string> {
    const cap = config.keys.maxPerUser;
    for (let look = 0; look < 2; look++) {
      const { free } = slotState(await deps.slots.list(ownerUid), cap, now);
      if (free.length === 0) break;
      // Concurrent creates start at different free slots, so they rarely collide (any free slot will do).
      const start = randomInt(free.length);
      for (const candidate of [...free.slice(start), ...free.slice(0, start)]) {
        const slotId = await deps.slots.claim(ownerUid, candidate, keyId, expiresAt);
        if (slotId) return slotId;
      }
    }
    throw new KeywardError('conflict', `You already have ${cap} active keys; revoke one first.`);
  }

  /** Logs, for operators, a follow-up write that failed after the change itself stood. */
  function logStanding(message: string, keyId: string, err: unknown, requestId?: string): void {
    console.error(JSON.stringify({ severity: 'ERROR', message, keyId, requestId, cause: err instanceof Error ? err.message : String(err) }));
  }

  const audited = (event: AuditEvent, undo: () => Promise<unknown>) => auditedChange(audit, event, undo);

  /**
   * Runs a key action; a refusal (4xx) is recorded as a `failure` entry of that action with its
   * code as the reason, so the trail shows what was refused and why (queued like access entries).
   */
  async function refusalsAudited<T>(event: AuditEvent['event'], identity: Identity, target: AuditEvent['target'], info: RequestContext | undefined, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (isKeywardError(err) && !isFault(err)) {
        audit.access({ event, outcome: 'failure', actor: actorOf(identity), target, request: info && auditRequest(info), reason: err.code });
      }
      throw err;
    }
  }

  /**
   * The caller's own key (admins may act on any key; a key or its token on itself); another
   * user's key answers 404. Key management is interactive-only, so that a leaked key cannot
   * entrench itself or map its owner's other keys: the one exception is a key reading or
   * revoking itself (`self`).
   */
  async function ownKey(identity: Identity, id: string, self: 'self' | 'interactive' = 'interactive'): Promise<KeyRecord> {
    const itself = self === 'self' && identity.keyId === id;
    if (!itself && !isInteractive(identity)) throw interactiveOnly();
    if (!isKeyId(id)) throw notFound();
    const record = await store.get(id);
    const mayAct = record && (itself || record.ownerUid === identity.uid || (identity.claims.admin === true && isInteractive(identity)));
    if (!record || !mayAct) throw notFound();
    return record;
  }

  /** The most a key of `type` may be given: its type's calls per minute, and a day of them. */
  function ceilingOf(type: KeyType): UsageCeiling {
    const perMinute = config.rateLimits[type].callsPerMinute;
    return { requestsPerMinute: perMinute, requestsPerDay: perMinute * 1440, credits: MAX_CREDITS };
  }

  /** `limits` and `credits` of a body, as stored: credits restart their count when set. */
  function parseUsage(body: Body, type: KeyType, now: number): Pick<KeyRecord, 'limits' | 'credits'> {
    const ceiling = ceilingOf(type);
    const out: Pick<KeyRecord, 'limits' | 'credits'> = {};
    const limits = parseLimits(body.limits, ceiling);
    const credits = parseCredits(body.credits, ceiling);
    if (limits !== undefined) out.limits = limits && Object.keys(limits).length ? limits : null;
    if (credits !== undefined) out.credits = credits && { ...credits, setAt: now };
    return out;
  }

  async function view(record: KeyRecord, now: number, lastUsedAt?: number | null) {
    const spent = record.credits && deps.creditsSpent ? await deps.creditsSpent(record) : 0;
    return keyView(record, now, lastUsedAt ?? record.lastUsedAt, spent);
  }

  /** A change that is already made and must stand (a revocation): an audit failure is logged for operators, never undone. */
  async function auditedAfter(event: AuditEvent): Promise<void> {
    try {
      await audit.record(event);
    } catch (err) {
      console.error(
        JSON.stringify({
          severity: 'ERROR',
          message: `The audit entry ${event.event} could not be written; the change stands.`,
          event: event.event,
          keyId: event.target?.keyId,
          requestId: event.request?.requestId,
          cause: err instanceof Error ? err.message : String(err),
        }),
      );
    }
  }

  /**
   * Revokes for good. Conditional like every change, but never refused for a race: a concurrent
   * change is read back and the revocation tried again, so it always lands and nothing undoes it.
   * `revoked` is false when the key was already revoked (revocation is idempotent).
   */
  async function revokeRecord(record: KeyRecord, at: number, requestId?: string): Promise<{ record: KeyRecord; revoked: boolean }> {
    let current: KeyRecord | undefined = record;
    for (let attempt = 0; current && attempt < 5; attempt++) {
      if (current.revokedAt !== null) {
        // Already revoked, perhaps by a write that landed after its caller gave up on it (and so
        // possibly outside the feed's window): say it again, so every instance drops the key now.
        await deps.changes?.publish('key', current.keyId).catch((err: unknown) => logStanding('The revoked key could not be announced on the change feed again.', current!.keyId, err, requestId));
        return { record: current, revoked: false };
      }
      if (await store.change(current.keyId, revisionOf(current), { revokedAt: at })) {
        const revoked = { ...current, revokedAt: at, revision: revisionOf(current) + 1 };
        cache.set(revoked.keyId, revoked); // refused at once on this instance
        // Its slot under the cap is free again; if that write fails the slot frees itself when the key would have expired.
        if (revoked.slotId) await deps.slots.release(revoked.slotId, at).catch((err) => logStanding('The revoked key still holds its cap slot.', revoked.keyId, err, requestId));
        return { record: revoked, revoked: true };
      }
      current = await store.get(record.keyId);
    }
    throw new KeywardError('unavailable', 'The key kept changing while it was being revoked; try again.', { retryAfterSeconds: 1 });
  }

  /** A change made on the record as read: the loser of a race changes nothing and gets 409. */
  async function changeOrConflict(record: KeyRecord, patch: Partial<KeyRecord>): Promise<KeyRecord> {
    if (!(await store.change(record.keyId, revisionOf(record), patch))) {
      throw new KeywardError('conflict', 'The key was changed by another request at the same time; nothing was changed. Read it again and retry.');
    }
    return { ...record, ...patch, revision: revisionOf(record) + 1 };
  }

  /** Undoes a change whose audit entry could not be written, unless a later change came first (then it stands, logged). */
  const undoChange = (changed: KeyRecord, before: Partial<KeyRecord>, requestId?: string) => async () => {
    const undone = await store.change(changed.keyId, revisionOf(changed), before);
    if (undone) cache.delete(changed.keyId);
    else logStanding('A key change could not be undone after its audit entry failed: a later change came first.', changed.keyId, new Error('conflict'), requestId);
  };

  function parseCreate(body: Body) {
    onlyFields(body, ['name', 'type', 'scopes', 'expiresAt', 'allowedOrigins', 'allowedIps', 'appCheck', 'metadata', 'limits', 'credits']);
    const name = requiredString(body, 'name', { max: 100, pattern: NAME_PATTERN });
    const type = body.type === undefined ? 'server' : body.type;
    if (!isKeyType(type)) throw invalidField('type', 'type must be server, web or mobile.');
    const scopes = parseScopes(body) ?? null;
    const allowedOrigins = parseOrigins(body) ?? [];
    const allowedIps = parseIps(body) ?? [];
    const metadata = parseMetadata(body) ?? null;
    const expiresRaw = optionalString(body, 'expiresAt', { max: 40 });
    const now = deps.now();
    let expiresAt = now + config.keys.defaultTtlDays * DAY;
    if (expiresRaw !== undefined) {
      const parsed = parseIsoDate(expiresRaw);
      if (parsed === undefined) throw invalidField('expiresAt', 'expiresAt must be an ISO 8601 date that exists, such as 2027-02-28 or 2027-02-28T12:00:00Z.');
      expiresAt = parsed;
      if (expiresAt <= now) throw invalidField('expiresAt', 'expiresAt must be in the future.');
      if (expiresAt > now + config.keys.maxTtlDays * DAY) {
        throw invalidField('expiresAt', `expiresAt may be at most ${config.keys.maxTtlDays} days away.`);
      }
    }
    if (type === 'web' && allowedOrigins.length === 0) throw invalidField('allowedOrigins', 'A web key needs at least one allowed origin.');
    const appCheck = parseAppCheck(body.appCheck);
    if (appCheck && type === 'server') throw invalidField('appCheck', 'App Check applies to web and mobile keys only.');
    const usage = parseUsage(body, type, now);
    return { name, type, scopes, allowedOrigins, allowedIps, metadata, expiresAt, now, appCheck, usage };
  }

  return {
    create: (identity: Identity, body: Body, info?: RequestContext) => refusalsAudited('key.create', identity, { uid: identity.uid }, info, async () => {
      if (!isInteractive(identity)) throw interactiveOnly();
      const input = parseCreate(body);
      if (input.scopes) {
        const beyond = scopesBeyond(identity.claims, input.scopes);
        if (beyond.length) throw new KeywardError('insufficient_scope', `You do not hold these scopes: ${beyond.slice(0, 5).join(', ')}.`, { field: '/scopes' });
      }
      await deps.createLimit?.(identity.uid);
      for (let attempt = 0; attempt < 3; attempt++) {
        const keyId = newKeyId();
        const minted = await mintSecret(input.type, keyId);
        const slotId = await takeSlot(identity.uid, keyId, input.expiresAt, input.now);
        const record: KeyRecord = {
          keyId,
          ownerUid: identity.uid,
          name: input.name,
          type: input.type,
          scopes: input.scopes,
          allowedOrigins: input.allowedOrigins,
          allowedIps: input.allowedIps,
          createdAt: input.now,
          expiresAt: input.expiresAt,
          revokedAt: null,
          regeneratedAt: null,
          lastUsedAt: null,
          disabledAt: null,
          metadata: input.metadata,
          secrets: [minted.stored],
          ...(input.appCheck ? { appCheck: input.appCheck } : {}),
          // Only the settings given: Firestore refuses undefined fields.
          ...(input.usage.limits ? { limits: input.usage.limits } : {}),
          ...(input.usage.credits ? { credits: input.usage.credits } : {}),
          slotId,
        };
        // A write that fails (or an id that collided) gives the slot back: a key never made holds none.
        const created = await store.create(record).catch(async (err: unknown) => {
          await deps.slots.release(slotId, input.now).catch((e) => logStanding('A key that was never created still holds its cap slot.', keyId, e, info?.requestId));
          throw err;
        });
        if (!created) {
          await deps.slots.release(slotId, input.now);
          continue; // a 95-bit id collided: draw again
        }
        await audited(
          { event: 'key.create', outcome: 'success', actor: actorOf(identity), target: { uid: identity.uid, keyId }, request: info && auditRequest(info) },
          // Never shown, never usable: as if it was never created.
          () => Promise.all([store.delete(keyId), deps.slots.release(slotId, input.now)]),
        );
        cache.set(keyId, record);
        return { ...keyView(record, input.now), key: minted.key, signingSecret: minted.signingSecret };
      }
      throw new KeywardError('unavailable', 'Could not allocate a key id; try again.');
    }),

    async list(identity: Identity) {
      if (!isInteractive(identity)) throw interactiveOnly();
      const now = deps.now();
      const records = await store.listByOwner(identity.uid, 1000);
      return Promise.all(records.map((r) => view(r, now, deps.usage.lastUsed(r.keyId))));
    },

    async get(identity: Identity, id: string) {
      const record = await ownKey(identity, id, 'self');
      return view(record, deps.now(), deps.usage.lastUsed(id));
    },

    revoke: (identity: Identity, id: string, info?: RequestContext) => refusalsAudited('key.revoke', identity, { keyId: id }, info, async () => {
      // A key may revoke itself (a leaked key's holder can kill it); everything else is interactive.
      const record = await ownKey(identity, id, 'self');
      const now = deps.now();
      const { record: revoked, revoked: changed } = await revokeRecord(record, now, info?.requestId);
      if (!changed) return keyView(revoked, now); // already revoked: idempotent, audited once
      // Revoke first, then audit: a revocation is never undone, even when the log is down.
      await auditedAfter({ event: 'key.revoke', outcome: 'success', actor: actorOf(identity), target: { uid: record.ownerUid, keyId: id }, request: info && auditRequest(info) });
      await deps.onRevoked?.(revoked, identity.keyId === id ? 'key' : 'owner').catch(() => undefined);
      return keyView(revoked, now);
    }),

    /**
     * Revokes a key reported leaked by a secret scanner (secret-scanning/): the confirmed report is
     * the authority, no user acts. Audited as `key.leak` with where it leaked; a key already revoked,
     * expired, or whose leaked secret was replaced past its grace period is only audited. Unlike a user's revocation, a failed audit write does not undo it (a leaked
     * key stays revoked): the error reaches the scanner, which resends, and the resend is audited.
     */
    async revokeLeaked(record: KeyRecord, secret: StoredSecret, report: LeakReport): Promise<{ revoked: boolean }> {
      const at = deps.now();
      // Only a secret that could work now or later is a risk (a paused key can be resumed); one replaced past its grace period is not.
      const atRisk = secretMayWork(record, secret, at);
      const { revoked } = atRisk ? await revokeRecord(record, at) : { revoked: false };
      if (revoked) await deps.onRevoked?.(record, 'secret_scanning').catch(() => undefined);
      const outcome = revoked ? 'revoked' : atRisk || keyStatus(record, at) === 'revoked' ? 'already revoked' : 'the secret no longer works; the key is left as it is';
      await audited(
        {
          event: 'key.leak',
          outcome: 'success',
          actor: { method: 'secret_scanning' },
          target: { uid: record.ownerUid, keyId: record.keyId },
          reason: `${report.credential} reported by ${report.scanner}; ${outcome}`,
          location: { url: report.url, source: report.source },
        },
        async () => undefined,
      );
      return { revoked };
    },

    regenerate: (identity: Identity, id: string, body: Body, info?: RequestContext) => refusalsAudited('key.regenerate', identity, { keyId: id }, info, async () => {
      if (!isInteractive(identity)) throw interactiveOnly();
      const record = await ownKey(identity, id); // someone else's key is 404 whatever the body says
      onlyFields(body, ['gracePeriod']);
      const grace = optionalInt(body, 'gracePeriod', 0, MAX_GRACE_SECONDS) ?? 0;
      const now = deps.now();
      const status = keyStatus(record, now);
      if (status === 'revoked' || status === 'expired') {
        throw new KeywardError('conflict', 'A revoked or expired key cannot be regenerated; create a new one.');
      }
      const secrets = rotatedSecrets(record.secrets, grace, now);
      const minted = await mintSecret(record.type, id);
      secrets.unshift(minted.stored);
      // Conditional: of concurrent regenerations one wins; the others change nothing and return no secret (409).
      const updated = await changeOrConflict(record, { secrets, regeneratedAt: now });
      await audited(
        {
          event: 'key.regenerate',
          outcome: 'success',
          actor: actorOf(identity),
          target: { uid: record.ownerUid, keyId: id },
          request: info && auditRequest(info),
          reason: `grace period ${grace}s`,
        },
        undoChange(updated, { secrets: record.secrets, regeneratedAt: record.regeneratedAt }, info?.requestId),
      );
      cache.set(id, updated);
      // An admin who regenerates another user's key (say, on a leak report) stops its secret but
      // does not learn the new one: only the owner may hold their key.
      if (record.ownerUid !== identity.uid) return { ...keyView(updated, now), key: undefined, signingSecret: undefined };
      return { ...keyView(updated, now), key: minted.key, signingSecret: minted.signingSecret };
    }),

    /**
     * PATCH: the allow-listed fields of keys/patch.ts, never widening what the key may do. A pause
     * (`disabled`) is refused like a revocation: at once here, within the cache lifetime elsewhere.
     */
    update: (identity: Identity, id: string, body: Body, info?: RequestContext) => refusalsAudited('key.update', identity, { keyId: id }, info, async () => {
      if (!isInteractive(identity)) throw interactiveOnly();
      const record = await ownKey(identity, id);
      if (record.revokedAt !== null) throw new KeywardError('conflict', 'A revoked key cannot be changed; create a new one.');
      const now = deps.now();
      // Scopes are checked against the owner's grants (an admin editing another's key included).
      const owner = record.ownerUid === identity.uid ? { claims: identity.claims } : await deps.users.get(record.ownerUid);
      // `limits` and `credits` are usage settings within the project's ceiling (keys/limits.ts); the rest narrows only.
      const { limits, credits, ...rest } = body;
      const usage = parseUsage({ ...(limits !== undefined ? { limits } : {}), ...(credits !== undefined ? { credits } : {}) }, record.type, now);
      const narrowing = Object.keys(rest).length || !Object.keys(usage).length ? parsePatch(rest, record, { now, claims: owner?.claims ?? {} }) : {};
      const change: KeyChange & Pick<KeyRecord, 'limits' | 'credits'> = { ...narrowing, ...usage };
      const fields = Object.keys(change) as Array<keyof typeof change>;
      const before = Object.fromEntries(fields.map((f) => [f, record[f] ?? null])) as typeof change;
      // Conditional: a concurrent PATCH, pause, regeneration or revocation wins, and this one changes nothing (409).
      const updated = await changeOrConflict(record, change);
      const pause = change.disabledAt === undefined ? '' : change.disabledAt === null ? ' (resumed)' : ' (paused)';
      await audited(
        {
          event: 'key.update',
          outcome: 'success',
          actor: actorOf(identity),
          target: { uid: record.ownerUid, keyId: id },
          request: info && auditRequest(info),
          reason: `changed ${fields.join(', ')}${pause}`,
        },
        undoChange(updated, before, info?.requestId),
      );
      cache.set(id, updated); // a pause is refused at once on this instance, new limits enforced
      // A shorter life frees the key's cap slot sooner (expiry is only ever brought forward).
      if (change.expiresAt !== undefined && record.slotId) {
        await deps.slots.shorten(record.slotId, change.expiresAt).catch((err) => logStanding('The cap slot still holds the earlier expiry.', id, err, info?.requestId));
      }
      return view(updated, now, deps.usage.lastUsed(id));
    }),
  };
}

export type KeyService = ReturnType<typeof keyService>;

/** `appCheck: {appIds: [Firebase app ids], consume?: boolean}` on creation; undefined when absent. */
function parseAppCheck(value: unknown): { appIds: string[]; consume: boolean } | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidField('appCheck', 'appCheck must be an object {appIds, consume?}.');
  const body = value as Body;
  onlyFields(body, ['appIds', 'consume']);
  const appIds = optionalStringList(body, 'appIds', { maxItems: 20, maxLength: 100, check: (id) => APP_ID_PATTERN.test(id) });
  if (!appIds?.length) throw invalidField('appCheck.appIds', 'appCheck.appIds must list at least one Firebase app id (1:<project number>:<platform>:<hex>).');
  if (body.consume !== undefined && typeof body.consume !== 'boolean') throw invalidField('appCheck.consume', 'appCheck.consume must be true or false.');
  return { appIds, consume: body.consume === true };
}

/** Secrets a key keeps at once: the current one and up to four still in their grace periods (each costs an HMAC per check). */
export const MAX_SECRETS = 5;

/**
 * The secrets a key keeps beside a new one. The current secret ends with the grace period, and
 * each earlier one keeps its own end, so every secret ever handed out works until the end it was
 * given: two regenerations in a row (a double click) cut no one's grace period. Without a grace
 * period (0) every earlier secret ends at once: the answer to a leak. Ended secrets are kept so
 * they, and their tokens, are refused as replaced (keys/status.ts) rather than unknown; the
 * oldest ended ones go first. More than MAX_SECRETS - 1 secrets still working: 409.
 */
export function rotatedSecrets(secrets: readonly StoredSecret[], graceSeconds: number, now: number): StoredSecret[] {
  const ends = (s: StoredSecret, i: number) => (graceSeconds === 0 ? now : i === 0 ? now + graceSeconds * 1000 : s.notAfter);
  const kept = secrets.map((s, i) => ({ ...s, notAfter: ends(s, i) }));
  const working = kept.filter((s) => secretLive(s, now));
  if (working.length >= MAX_SECRETS) {
    throw new KeywardError('conflict', `This key already has ${MAX_SECRETS - 1} earlier secrets in their grace periods; wait for one to end, or regenerate with gracePeriod 0.`);
  }
  const ended = kept.filter((s) => !secretLive(s, now)).sort((a, b) => (b.notAfter ?? 0) - (a.notAfter ?? 0));
  return [...working, ...ended].slice(0, MAX_SECRETS - 1);
}

/** A scanner's report of one of a key's secrets: which kind, by whom, where it was found. */
export interface LeakReport {
  credential: 'api_key' | 'signing_secret';
  scanner: string;
  url?: string;
  source?: string;
}

export function actorOf(identity: Identity) {
  return { uid: identity.actor ?? identity.uid, method: identity.method, keyId: identity.keyId };
}
