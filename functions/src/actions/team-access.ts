/**
 * Who the caller is to a team, on the request path: the team record and the caller's membership,
 * both cached and dropped by the change feed's `team` and `member` entries (docs/cache.md), so a
 * removed member loses the team on every instance within the revocation bound. Shared by the team
 * endpoints, team keys, team usage and the team audit trail.
 *
 * Also the owner directory of key credentials: a key owned by `team:<id>` acts with the team's
 * grants (`{permissions: grants}`), never with the claims of the member who made it.
 */
import { enforce } from '../decision';
import { KeywardError } from '../errors';
import type { Identity } from '../identity';
import type { RefreshingCache } from '../lib/refreshing-cache';
import type { UserDirectory, UserRecordLite } from '../store/users';
import { isGrantable, isTeamId, teamOfPrincipal, type MemberRecord, type TeamRecord, type TeamStore } from '../teams/record';
import { effectiveRole, type TeamRole } from '../teams/roles';
import type { Decision } from '../decision';

export type TeamCache = RefreshingCache<string, TeamRecord | null>;
export type MemberCache = RefreshingCache<string, MemberRecord | null>;

export interface TeamAccessDeps {
  store: TeamStore;
  teams: TeamCache;
  /** Keyed `<team id>/<uid>` (store/teams.ts `memberSubject`). */
  members: MemberCache;
}

export const noSuchTeam = () => new KeywardError('not_found', 'No such team.');

export interface TeamStanding {
  team: TeamRecord;
  role: TeamRole;
  /** The caller's own membership; absent when only a project-wide claim gives them the role. */
  member?: MemberRecord;
}

export function teamAccess(deps: TeamAccessDeps) {
  const cached = <V>(cache: RefreshingCache<string, V>, key: string) => {
    const hit = cache.peek(key);
    return hit !== undefined ? Promise.resolve(hit) : cache.get(key);
  };

  /** A live team, as of at most the revocation bound ago (undefined: unknown or deleted). */
  async function team(teamId: string): Promise<TeamRecord | undefined> {
    if (!isTeamId(teamId)) return undefined;
    const record = await cached(deps.teams, teamId);
    return record && record.deletedAt === null ? record : undefined;
  }

  /**
   * The caller's standing in a team, or 404 for anyone it is nothing to (another team's team,
   * members and keys do not exist for them). `fresh`: read from Firestore, for changes.
   */
  async function standing(identity: Identity, teamId: string, fresh = false): Promise<TeamStanding> {
    if (!isTeamId(teamId)) throw noSuchTeam();
    const record = fresh ? await deps.store.get(teamId) : await team(teamId);
    if (!record || record.deletedAt !== null) throw noSuchTeam();
    const key = `${teamId}/${identity.uid}`;
    const member = (fresh ? await deps.store.member(teamId, identity.uid) : await cached(deps.members, key)) ?? undefined;
    const role = effectiveRole(member?.role, identity.claims);
    if (!role) throw noSuchTeam();
    return { team: record, role, member };
  }

  return {
    team,
    standing,
    /** The standing, and the rule for it (a refusal is 403: the caller knows the team). */
    async allowed(identity: Identity, teamId: string, rule: (role: TeamRole) => Decision, fresh = false): Promise<TeamStanding> {
      const s = await standing(identity, teamId, fresh);
      enforce(rule(s.role));
      return s;
    },
    /** Forgets this instance's copies at once (the feed tells the others). */
    forget(teamId: string, uids: string[] = []) {
      deps.teams.delete(teamId);
      for (const uid of uids) deps.members.delete(`${teamId}/${uid}`);
    },
  };
}

export type TeamAccess = ReturnType<typeof teamAccess>;

/**
 * The owners of keys: people from the user directory, teams (`team:<id>`) from their records. A
 * team acts with its grants only; a deleted team is like a deleted user (its keys are refused).
 */
export function keyOwners(users: UserDirectory, teams: Pick<TeamAccess, 'team'>): UserDirectory {
  return {
    async get(uid): Promise<UserRecordLite | undefined> {
      const teamId = teamOfPrincipal(uid);
      if (teamId === undefined) return users.get(uid);
      const team = await teams.team(teamId);
      return team && { uid, claims: { permissions: team.grants.filter(isGrantable) }, disabled: false, validSince: 0 };
    },
    invalidate: (uid) => users.invalidate(uid),
  };
}
