/**
 * Teams and their members: create, list mine, read, change, delete; list members, change a role,
 * remove (or leave), and say beforehand what a removal does to keys. Shared by the REST routes and
 * the callables. The rules are teams/roles.ts; every change is conditional on the team's revision
 * (store/teams.ts), audited before the answer (undone when the log is down), and announced on the
 * change feed so every instance drops the memberships it cached.
 */
import { auditRequest, type AuditEvent, type AuditSink } from '../audit/events';
import { enforce } from '../decision';
import { invalidField, KeywardError } from '../errors';
import { isInteractive, type Identity } from '../identity';
import { newKeyId } from '../keys/format';
import { onlyFields, optionalString, requiredString, type Body } from '../lib/validate';
import type { RequestContext } from '../request';
import type { UserDirectory } from '../store/users';
import type { MemberRecord, TeamChange, TeamRecord, TeamStore } from '../teams/record';
import { decideRemoval, decideRoleChange, decideTeamChange, isTeamRole, TEAM_ROLES, type TeamRole } from '../teams/roles';
import { auditedAfter, auditedChange } from './audited-change';
import type { TeamAccess } from './team-access';
import { actorOf } from './keys';

/** What removing a member does to team keys: the keys it revokes (revokeKeysOnLeave), or none. */
export interface TeamKeyPort {
  /** The team's live keys created by `uid` (all of them when undefined): id and name. */
  createdBy(teamId: string, uid: string | undefined): Promise<Array<{ id: string; name: string }>>;
  /** Revokes those keys, each audited; the ids revoked. */
  revokeCreatedBy(teamId: string, uid: string | undefined, identity: Identity, info?: RequestContext): Promise<string[]>;
}

export interface TeamServiceDeps {
  store: TeamStore;
  access: TeamAccess;
  keys: TeamKeyPort;
  users: UserDirectory;
  audit: AuditSink;
  now: () => number;
}

const MAX_MEMBERS = 1000;
const MAX_TEAMS = 1000;
export const TEAM_NAME = /^[^\u0000-\u001f\u007f]{1,100}$/;
/** Grants are permission names, as scopes are. */
const PERMISSION = /^[A-Za-z0-9_.:-]{1,64}$/;

const interactiveOnly = () => new KeywardError('interactive_credential_required', 'Teams are changed with a session cookie or an ID token.');
const noSuchMember = () => new KeywardError('not_found', 'No such member.');
const raced = () => new KeywardError('conflict', 'The team was changed by another request at the same time; nothing was changed. Read it again and retry.');
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function teamView(team: TeamRecord, role?: TeamRole) {
  return {
    id: team.teamId,
    name: team.name,
    ...(role ? { role } : {}),
    revokeKeysOnLeave: team.revokeKeysOnLeave,
    grants: team.grants,
    createdAt: iso(team.createdAt)!,
  };
}

export const memberView = (m: MemberRecord) => ({ uid: m.uid, email: m.email ?? null, role: m.role, addedAt: iso(m.addedAt)! });

export function teamEvent(event: AuditEvent['event'], identity: Identity, teamId: string, info: RequestContext | undefined, extra: Partial<AuditEvent> = {}): AuditEvent {
  const { target, ...rest } = extra;
  return { event, outcome: 'success', actor: actorOf(identity), target: { team: teamId, ...target }, request: info && auditRequest(info), ...rest };
}

export function teamService(deps: TeamServiceDeps) {
  const { store, access, audit } = deps;
  const audited = (event: AuditEvent, undo: () => Promise<unknown>) => auditedChange(audit, event, undo);

  /** A conditional change of the team as read; the loser of a race changes nothing (409). */
  async function change(team: TeamRecord, patch: TeamChange): Promise<TeamRecord> {
    if (!(await store.change(team.teamId, team.revision, patch))) throw raced();
    access.forget(team.teamId, [...(patch.put ?? []).map((m) => m.uid), ...(patch.remove ?? [])]);
    return { ...team, ...(patch.team ?? {}), revision: team.revision + 1 };
  }

  /** The member the path names, read fresh (changes are decided on what is stored). */
  async function memberOf(teamId: string, uid: string): Promise<MemberRecord> {
    if (uid.length === 0 || uid.length > 128) throw noSuchMember();
    const member = await store.member(teamId, uid);
    if (!member) throw noSuchMember();
    return member;
  }

  function interactive(identity: Identity) {
    if (!isInteractive(identity)) throw interactiveOnly();
  }

  return {
    async create(identity: Identity, body: Body, info?: RequestContext) {
      interactive(identity);
      onlyFields(body, ['name']);
      const name = requiredString(body, 'name', { max: 100, pattern: TEAM_NAME });
      const now = deps.now();
      const email = (await deps.users.get(identity.uid))?.email ?? null;
      const team: TeamRecord = { teamId: newKeyId(), name, revokeKeysOnLeave: false, grants: [], owners: 1, createdAt: now, createdBy: identity.uid, deletedAt: null, revision: 0 };
      await store.create(team, { teamId: team.teamId, uid: identity.uid, role: 'owner', addedAt: now, email });
      // Never answered, never usable: a team whose creation could not be audited is deleted again.
      await audited(teamEvent('team.create', identity, team.teamId, info, { target: { uid: identity.uid, role: 'owner' } }), () =>
        store.change(team.teamId, team.revision, { team: { deletedAt: now }, remove: [identity.uid] }),
      );
      return teamView(team, 'owner');
    },

    /** The caller's teams, with their role in each (the per-user membership index). */
    async listMine(identity: Identity) {
      const memberships = await store.membershipsOf(identity.uid, MAX_TEAMS);
      const teams = await Promise.all(memberships.map((m) => access.team(m.teamId)));
      return memberships.flatMap((m, i) => (teams[i] ? [teamView(teams[i]!, m.role)] : []));
    },

    async get(identity: Identity, teamId: string) {
      const { team, role } = await access.standing(identity, teamId);
      return teamView(team, role);
    },

    async update(identity: Identity, teamId: string, body: Body, info?: RequestContext) {
      interactive(identity);
      const { team, role } = await access.allowed(identity, teamId, (r) => decideTeamChange(r, 'update'), true);
      onlyFields(body, ['name', 'revokeKeysOnLeave']);
      const name = optionalString(body, 'name', { max: 100, pattern: TEAM_NAME });
      if (body.revokeKeysOnLeave !== undefined && typeof body.revokeKeysOnLeave !== 'boolean') throw invalidField('revokeKeysOnLeave', 'revokeKeysOnLeave must be true or false.');
      const patch: Partial<TeamRecord> = { ...(name !== undefined ? { name } : {}), ...(body.revokeKeysOnLeave !== undefined ? { revokeKeysOnLeave: body.revokeKeysOnLeave as boolean } : {}) };
      const fields = Object.keys(patch);
      if (fields.length === 0) throw new KeywardError('invalid_request', 'Send name or revokeKeysOnLeave.');
      const updated = await change(team, { team: patch });
      const before = Object.fromEntries(fields.map((f) => [f, team[f as keyof TeamRecord]]));
      await audited(teamEvent('team.update', identity, teamId, info, { reason: `changed ${fields.join(', ')}` }), () => store.change(teamId, updated.revision, { team: before }));
      return teamView(updated, role);
    },

    /** Deletes the team: every member goes, and every team key is revoked (audited one by one). */
    async delete(identity: Identity, teamId: string, info?: RequestContext) {
      interactive(identity);
      const { team } = await access.allowed(identity, teamId, (r) => decideTeamChange(r, 'delete'), true);
      const members = await store.members(teamId, MAX_MEMBERS);
      const now = deps.now();
      // A batch holds at most 500 writes, and each removal is two (the membership, its feed entry): 200 per change.
      const uids = members.map((m) => m.uid);
      let current = await change(team, { team: { deletedAt: now }, remove: uids.slice(0, 200) });
      for (let at = 200; at < uids.length; at += 200) current = await change(current, { remove: uids.slice(at, at + 200) });
      // Deleted first, so no new key can be made; then its keys are revoked. A revocation stands even if the log fails.
      const revoked = await deps.keys.revokeCreatedBy(teamId, undefined, identity, info);
      await auditedAfter(audit, teamEvent('team.delete', identity, teamId, info, { reason: `revoked ${revoked.length} keys` }));
      return { id: teamId, deletedAt: iso(now)!, revokedKeys: revoked };
    },

    async members(identity: Identity, teamId: string) {
      await access.standing(identity, teamId);
      const members = await store.members(teamId, MAX_MEMBERS);
      return { members: members.map(memberView) };
    },

    async setRole(identity: Identity, teamId: string, uid: string, body: Body, info?: RequestContext) {
      interactive(identity);
      const { team, role: actor } = await access.standing(identity, teamId, true);
      onlyFields(body, ['role']);
      if (!isTeamRole(body.role)) throw invalidField('role', `role must be one of ${TEAM_ROLES.join(', ')}.`);
      const to = body.role;
      const member = await memberOf(teamId, uid);
      enforce(decideRoleChange({ actor, from: member.role, to, owners: team.owners }));
      if (member.role === to) return memberView(member);
      const owners = team.owners + (to === 'owner' ? 1 : 0) - (member.role === 'owner' ? 1 : 0);
      const changed = { ...member, role: to };
      const updated = await change(team, { team: { owners }, put: [changed] });
      await audited(teamEvent('team.member.role', identity, teamId, info, { target: { uid, role: to }, reason: `${member.role} to ${to}` }), () =>
        store.change(teamId, updated.revision, { team: { owners: team.owners }, put: [member] }),
      );
      return memberView(changed);
    },

    /** Removes a member, or the caller leaves; with `revokeKeysOnLeave`, the keys they created are revoked. */
    async remove(identity: Identity, teamId: string, uid: string, info?: RequestContext) {
      interactive(identity);
      const { team, role: actor } = await access.standing(identity, teamId, true);
      const member = await memberOf(teamId, uid);
      enforce(decideRemoval({ actor, target: member.role, self: uid === identity.uid, owners: team.owners }));
      const owners = team.owners - (member.role === 'owner' ? 1 : 0);
      await change(team, { team: { owners }, remove: [uid] });
      // Leaving stands (access ends now); the keys follow the team's setting.
      const revoked = team.revokeKeysOnLeave ? await deps.keys.revokeCreatedBy(teamId, uid, identity, info) : [];
      await auditedAfter(audit, teamEvent('team.member.remove', identity, teamId, info, { target: { uid, role: member.role }, reason: `${uid === identity.uid ? 'left' : 'removed'}; revoked ${revoked.length} keys` }));
      return { uid, removed: true, revokedKeys: revoked };
    },

    /** What removing `uid` would do, before it is done: the keys they created, and whether they would be revoked. */
    async departure(identity: Identity, teamId: string, uid: string) {
      const { team } = await access.standing(identity, teamId);
      const member = await memberOf(teamId, uid);
      const keys = await deps.keys.createdBy(teamId, member.uid);
      return { uid, revokeKeysOnLeave: team.revokeKeysOnLeave, keys, revokes: team.revokeKeysOnLeave ? keys : [] };
    },

    /** Sets what the team's keys may do: project admins only (a team cannot grant itself more). */
    async setGrants(identity: Identity, teamId: string, body: Body, info?: RequestContext) {
      interactive(identity);
      const { team, role } = await access.standing(identity, teamId, true); // another team is 404 first
      if (identity.claims.admin !== true) throw new KeywardError('forbidden', 'Only a project admin sets what a team may do.');
      onlyFields(body, ['permissions']);
      const permissions = body.permissions;
      if (!Array.isArray(permissions) || permissions.length > 50 || !permissions.every((p) => typeof p === 'string' && PERMISSION.test(p))) {
        throw invalidField('permissions', 'permissions must be a list of at most 50 permission names ([A-Za-z0-9_.:-], up to 64 characters).');
      }
      const grants = [...new Set(permissions as string[])].sort();
      const updated = await change(team, { team: { grants } });
      await audited(teamEvent('team.grants', identity, teamId, info, { reason: `grants ${grants.join(' ') || '(none)'}`.slice(0, 500) }), () => store.change(teamId, updated.revision, { team: { grants: team.grants } }));
      return teamView(updated, role);
    },
  };
}

export type TeamService = ReturnType<typeof teamService>;
