/**
 * Key management: create, list, read, regenerate, revoke. Shared by the REST routes and the
 * console's callable functions. Every change is written, then audited before the response; if
 * the audit write fails the change is undone and the caller gets 503 (nothing half-done), except a
 * revocation, which always stands (its audit failure is logged for operators).
 */
import { randomInt } from 'node:crypto';
import { auditRequest, type AuditEvent, type AuditSink } from '../audit/events';
import { auditedChange } from './audited-change';
import { keyRevoker, type RevokedBy } from './revoke-key';
import type { Config } from '../config';
import type { KeyCache } from '../credentials/key-credential';
import { isInteractive, type Identity, type KeyType } from '../identity';
import { invalidField, isKeywardError, isFault, KeywardError } from '../errors';
import type { Body, RequestContext } from '../request';
import { parseRequest } from '../contract/parse';
import { parseIsoDate } from '../lib/iso-date';
import { enforce } from '../decision';
import { isTeamId, teamPrincipal } from '../teams/record';
import { decideTeamKey } from '../teams/roles';
import type { TeamAccess } from './team-access';
import type { ProviderSecret } from '../secrets/provider';
import { revisionOf, type KeyRecord, type KeyStore, type StoredSecret } from '../keys/record';
import { keyStatus, secretMayWork } from '../keys/status';
import { rotatedSecrets } from './key-settings';
export { MAX_SECRETS, rotatedSecrets } from './key-settings';
import { slotState } from '../keys/slots';
import type { KeySlotStore } from '../store/key-slots';
import type { ChangeWriter } from '../store/changes';
import type { UserDirectory } from '../store/users';
import { keyDigest, signingSecret } from '../keys/digest';
import { formatKey, isKeyId, newKeyId, newSecret, randomBase62 } from '../keys/format';
import { origins, parsePatch, unique, type KeyChange } from '../keys/patch';
import { scopesBeyond } from '../keys/restrictions';
import type { UseRecorder } from '../keys/use-recorder';
import { keyView } from '../keys/view';
import { MAX_CREDITS, withinCeiling, type Credits, type RequestLimits, type LimitsCeiling } from '../keys/limits';

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
  useRecorder: UseRecorder;
  now: () => number;
  /** Key creations per user (limits/rules.ts): throws 429 past the limit. */
  createLimit?: (uid: string) => Promise<unknown>;
  /** Credits this key has spent in their current period (limits/plan.ts); 0 when not wired. */
  creditsSpent?: (record: KeyRecord) => Promise<number>;
  /** Teams (actions/team-access.ts): who may make and manage a team's keys. Without it there are no team keys. */
  teams?: Pick<TeamAccess, 'standing'>;
  /** Told of every revocation, on every path (the owner's `key.revoked` notice); its failure does not undo it. */
  onRevoked?: (record: KeyRecord, by: RevokedBy) => Promise<unknown>;
}

const DAY = 86_400_000;

const interactiveOnly = () =>
  new KeywardError('interactive_credential_required', 'Keys are managed with a session cookie or an ID token.');
const notFound = () => new KeywardError('not_found', 'No such key.');
/** Who a key event is about: the key's owner, and its team for a team key (`GET /v1/audit?team=`). */
const keyTarget = (record: KeyRecord) => ({ uid: record.ownerUid, keyId: record.keyId, ...(record.team !== undefined ? { team: record.team } : {}) });

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
  async function takeSlot(ownerUid: string, keyId: string, expiresAt: number, now: number, cap: number): Promise<string> {
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
    throw new KeywardError('conflict', `${ownerUid.startsWith('team:') ? 'The team has' : 'You already have'} ${cap} active keys; revoke one first.`);
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
  async function ownKey(identity: Identity, id: string, self: 'self' | 'interactive' = 'interactive', action: 'read' | 'manage' = 'manage'): Promise<KeyRecord> {
    const itself = self === 'self' && identity.keyId === id;
    if (!itself && !isInteractive(identity)) throw interactiveOnly();
    if (!isKeyId(id)) throw notFound();
    const record = await store.get(id);
    if (record && !itself && record.team !== undefined) return teamKey(identity, record, action);
    const mayAct = record && (itself || record.ownerUid === identity.uid || (identity.claims.admin === true && isInteractive(identity)));
    if (!record || !mayAct) throw notFound();
    return record;
  }

  /** A team's key: every member reads it, managing it follows the role (teams/roles.ts); to anyone else it does not exist. */
  async function teamKey(identity: Identity, record: KeyRecord, action: 'read' | 'manage'): Promise<KeyRecord> {
    const standing = deps.teams && (await deps.teams.standing(identity, record.team!).catch(() => undefined));
    if (!standing) throw notFound();
    if (action === 'manage') enforce(decideTeamKey(standing.role, 'manage', record.createdBy === identity.uid));
    return record;
  }

  /** Whose key a create makes: the caller's, or a team's (`team`), with the grants its scopes must stay within and its cap. */
  async function ownerFor(identity: Identity, team: unknown) {
    if (team === undefined) return { ownerUid: identity.uid, claims: identity.claims, cap: config.keys.maxPerUser };
    if (!deps.teams || !isTeamId(team)) throw new KeywardError('not_found', 'No such team.', { field: '/team' });
    const standing = await deps.teams.standing(identity, team, true);
    enforce(decideTeamKey(standing.role, 'create', false));
    return { ownerUid: teamPrincipal(team), claims: { permissions: standing.team.grants }, cap: config.keys.maxPerTeam, team: { team, createdBy: identity.uid } };
  }

  /**
   * A team key stands only if its creator may still make it once it is written: a removal (or the
   * team's deletion) that committed meanwhile lists the team's keys after its own write, so of the
   * two reads one sees the other's write. Otherwise the key is revoked at once (the removal may be
   * revoking it too: revocation is idempotent) and its secret never shown.
   */
  async function stillMayCreate(identity: Identity, record: KeyRecord, info?: RequestContext): Promise<void> {
    try {
      enforce(decideTeamKey((await deps.teams!.standing(identity, record.team!, true)).role, 'create', false));
    } catch (err) {
      const { revoked } = await revokeRecord(record, deps.now(), 'team', info?.requestId);
      if (revoked) await auditedAfter({ event: 'key.revoke', outcome: 'success', actor: actorOf(identity), target: keyTarget(record), request: info && auditRequest(info), reason: 'creator left the team as the key was created' });
      throw err;
    }
  }

  /** The most a key of `type` may be given: its type's calls per minute, and a day of them. */
  function ceilingOf(type: KeyType): LimitsCeiling {
    const perMinute = config.rateLimits[type].callsPerMinute;
    return { requestsPerMinute: perMinute, requestsPerDay: perMinute * 1440, credits: MAX_CREDITS };
  }

  /** `limits` and `credits` of a validated body, as stored: within the type's ceiling; credits restart their count when set. */
  function allowanceOf(body: { limits?: RequestLimits | null; credits?: Credits | null }, type: KeyType, now: number): Pick<KeyRecord, 'limits' | 'credits'> {
    const { limits, credits } = withinCeiling(body, ceilingOf(type));
    return { ...(limits !== undefined ? { limits } : {}), ...(credits !== undefined ? { credits: credits && { ...credits, setAt: now } } : {}) };
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

  /** The one way a key is marked revoked (actions/revoke-key.ts): by its owner, itself or a leak report. */
  const revokeRecord = keyRevoker({ store, cache, slots: deps.slots, changes: deps.changes, onRevoked: deps.onRevoked, logStanding });

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

  /** A create body, validated by its schema (contract/requests.ts); what depends on the clock and the configuration is checked here. */
  function parseCreate(input: Body) {
    const body = parseRequest('keyCreate', input);
    const type = body.type ?? 'server';
    const now = deps.now();
    let expiresAt = now + config.keys.defaultTtlDays * DAY;
    if (body.expiresAt !== undefined) {
      expiresAt = parseIsoDate(body.expiresAt)!;
      if (expiresAt <= now) throw invalidField('expiresAt', 'expiresAt must be in the future.');
      if (expiresAt > now + config.keys.maxTtlDays * DAY) {
        throw invalidField('expiresAt', `expiresAt may be at most ${config.keys.maxTtlDays} days away.`);
      }
    }
    return {
      name: body.name,
      type,
      scopes: body.scopes ? unique(body.scopes) : null,
      allowedOrigins: origins(body.allowedOrigins ?? []),
      allowedIps: unique(body.allowedIps ?? []),
      metadata: body.metadata ?? null,
      expiresAt,
      now,
      appCheck: body.appCheck ? { appIds: unique(body.appCheck.appIds), consume: body.appCheck.consume === true } : undefined,
      allowance: allowanceOf(body, type, now),
    };
  }

  return {
    create: (identity: Identity, body: Body, info?: RequestContext) => refusalsAudited('key.create', identity, { uid: identity.uid }, info, async () => {
      if (!isInteractive(identity)) throw interactiveOnly();
      const input = parseCreate(body);
      const owner = await ownerFor(identity, body.team);
      if (input.scopes) {
        // A team key's scopes stay within the team's grants, never the creator's own claims.
        const beyond = scopesBeyond(owner.claims, input.scopes);
        if (beyond.length) throw new KeywardError('insufficient_scope', `${owner.team ? 'The team does' : 'You do'} not hold these scopes: ${beyond.slice(0, 5).join(', ')}.`, { field: '/scopes' });
      }
      await deps.createLimit?.(identity.uid);
      for (let attempt = 0; attempt < 3; attempt++) {
        const keyId = newKeyId();
        const minted = await mintSecret(input.type, keyId);
        const slotId = await takeSlot(owner.ownerUid, keyId, input.expiresAt, input.now, owner.cap);
        const record: KeyRecord = {
          keyId,
          ownerUid: owner.ownerUid,
          ...owner.team,
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
          ...(input.allowance.limits ? { limits: input.allowance.limits } : {}),
          ...(input.allowance.credits ? { credits: input.allowance.credits } : {}),
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
          { event: 'key.create', outcome: 'success', actor: actorOf(identity), target: keyTarget(record), request: info && auditRequest(info) },
          // Never shown, never usable: as if it was never created.
          () => Promise.all([store.delete(keyId), deps.slots.release(slotId, input.now)]),
        );
        if (record.team !== undefined) await stillMayCreate(identity, record, info);
        cache.set(keyId, record);
        return { ...keyView(record, input.now), key: minted.key, signingSecret: minted.signingSecret };
      }
      throw new KeywardError('unavailable', 'Could not allocate a key id; try again.');
    }),

    /** The caller's keys, or a team's (`team`: every member reads them). */
    async list(identity: Identity, team?: string) {
      if (!isInteractive(identity)) throw interactiveOnly();
      const now = deps.now();
      if (team !== undefined && (!deps.teams || !isTeamId(team))) throw new KeywardError('not_found', 'No such team.');
      if (team !== undefined) await deps.teams!.standing(identity, team);
      const records = await store.listByOwner(team === undefined ? identity.uid : teamPrincipal(team), 1000);
      return Promise.all(records.map((r) => view(r, now, deps.useRecorder.lastUsed(r.keyId))));
    },

    async get(identity: Identity, id: string) {
      const record = await ownKey(identity, id, 'self', 'read');
      return view(record, deps.now(), deps.useRecorder.lastUsed(id));
    },

    revoke: (identity: Identity, id: string, info?: RequestContext) => refusalsAudited('key.revoke', identity, { keyId: id }, info, async () => {
      // A key may revoke itself (a leaked key's holder can kill it); everything else is interactive.
      const record = await ownKey(identity, id, 'self');
      const now = deps.now();
      const { record: revoked, revoked: changed } = await revokeRecord(record, now, identity.keyId === id ? 'key' : 'owner', info?.requestId);
      if (!changed) return keyView(revoked, now); // already revoked: idempotent, audited once
      // Revoke first, then audit: a revocation is never undone, even when the log is down.
      await auditedAfter({ event: 'key.revoke', outcome: 'success', actor: actorOf(identity), target: keyTarget(record), request: info && auditRequest(info) });
      return keyView(revoked, now);
    }),

    /** A team's live keys, or those `createdBy` made: what leaving or deleting the team revokes. */
    async teamKeys(teamId: string, createdBy?: string) {
      const now = deps.now();
      const records = await store.listByOwner(teamPrincipal(teamId), 1000);
      return records.filter((r) => (createdBy === undefined || r.createdBy === createdBy) && ['active', 'disabled'].includes(keyStatus(r, now)));
    },

    /** Revokes keys for a team event (a member left, the team was deleted): each stands and is audited as `key.revoke`. */
    async revokeForTeam(records: KeyRecord[], identity: Identity, why: string, info?: RequestContext): Promise<string[]> {
      const now = deps.now();
      const revoked: string[] = [];
      for (const record of records) {
        if (!(await revokeRecord(record, now, 'team', info?.requestId)).revoked) continue;
        revoked.push(record.keyId);
        await auditedAfter({ event: 'key.revoke', outcome: 'success', actor: actorOf(identity), target: keyTarget(record), request: info && auditRequest(info), reason: why });
      }
      return revoked;
    },

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
      const { revoked } = atRisk ? await revokeRecord(record, at, 'secret_scanning') : { revoked: false };
      const outcome = revoked ? 'revoked' : atRisk || keyStatus(record, at) === 'revoked' ? 'already revoked' : 'the secret no longer works; the key is left as it is';
      await audited(
        {
          event: 'key.leak',
          outcome: 'success',
          actor: { method: 'secret_scanning' },
          target: keyTarget(record),
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
      const grace = parseRequest('regenerate', body).gracePeriod ?? 0;
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
          target: keyTarget(record),
          request: info && auditRequest(info),
          reason: `grace period ${grace}s`,
        },
        undoChange(updated, { secrets: record.secrets, regeneratedAt: record.regeneratedAt }, info?.requestId),
      );
      cache.set(id, updated);
      // An admin who regenerates another user's key (say, on a leak report) stops its secret but
      // does not learn the new one: only the owner may hold their key.
      // A team key's members who may manage it share it: they get the new secret.
      if (record.ownerUid !== identity.uid && record.team === undefined) return { ...keyView(updated, now), key: undefined, signingSecret: undefined };
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
      // `limits` and `credits` are the key's allowance, within the project's ceiling (keys/limits.ts); the rest narrows only.
      const { limits, credits, ...rest } = parseRequest('keyPatch', body);
      const allowance = allowanceOf({ limits, credits }, record.type, now);
      const narrowing = parsePatch(rest, record, { now, claims: owner?.claims ?? {} });
      const change: KeyChange & Pick<KeyRecord, 'limits' | 'credits'> = { ...narrowing, ...allowance };
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
          target: keyTarget(record),
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
      return view(updated, now, deps.useRecorder.lastUsed(id));
    }),
  };
}

export type KeyService = ReturnType<typeof keyService>;

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
