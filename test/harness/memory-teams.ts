// The in-memory twin of the TeamStore port (teams/record.ts; store/teams.ts is the Firestore one):
// the same conditional semantics (a change at a stale revision, or a second use of an invitation,
// changes nothing), for the orchestrators' unit tests.
import type { InvitationRecord, MemberRecord, TeamRecord, TeamStore } from '../../functions/src/teams/record';

export function memoryTeamStore(): TeamStore & { teams: Map<string, TeamRecord>; memberships: Map<string, MemberRecord>; invitationsById: Map<string, InvitationRecord> } {
  const teams = new Map<string, TeamRecord>();
  const memberships = new Map<string, MemberRecord>();
  const invitationsById = new Map<string, InvitationRecord>();
  const used = new Set<string>();
  const key = (teamId: string, uid: string) => `${teamId}/${uid}`;
  const copy = <T>(v: T | undefined) => (v === undefined ? undefined : structuredClone(v));
  return {
    teams,
    memberships,
    invitationsById,
    async create(team, owner) {
      if (teams.has(team.teamId)) throw Object.assign(new Error('exists'), { code: 6 });
      teams.set(team.teamId, copy(team)!);
      memberships.set(key(owner.teamId, owner.uid), copy(owner)!);
    },
    get: async (teamId) => copy(teams.get(teamId)),
    member: async (teamId, uid) => copy(memberships.get(key(teamId, uid))),
    members: async (teamId, limit) => [...memberships.values()].filter((m) => m.teamId === teamId).sort((a, b) => a.addedAt - b.addedAt).slice(0, limit).map((m) => copy(m)!),
    membershipsOf: async (uid, limit) => [...memberships.values()].filter((m) => m.uid === uid).sort((a, b) => b.addedAt - a.addedAt).slice(0, limit).map((m) => copy(m)!),
    async change(teamId, revision, change) {
      const team = teams.get(teamId);
      if (!team || team.revision !== revision) return false;
      teams.set(teamId, { ...team, ...change.team, revision: revision + 1 });
      for (const m of change.put ?? []) memberships.set(key(teamId, m.uid), copy(m)!);
      for (const uid of change.remove ?? []) memberships.delete(key(teamId, uid));
      return true;
    },
    async createInvitation(invitation) {
      invitationsById.set(invitation.invitationId, copy(invitation)!);
    },
    invitation: async (id) => copy(invitationsById.get(id)),
    invitations: async (teamId, limit) => [...invitationsById.values()].filter((i) => i.teamId === teamId).slice(0, limit).map((i) => copy(i)!),
    async useInvitation(id, patch) {
      if (used.has(id) || !invitationsById.has(id)) return false;
      used.add(id);
      invitationsById.set(id, { ...invitationsById.get(id)!, ...patch });
      return true;
    },
    async releaseInvitation(id, patch) {
      used.delete(id);
      invitationsById.set(id, { ...invitationsById.get(id)!, ...patch });
    },
  };
}
