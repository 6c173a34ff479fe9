/**
 * Who may do what in a team: the pure rules behind every team endpoint. Roles rank owner > admin >
 * developer > auditor. Project-wide claims keep their meaning in every team: an `admin` claim acts
 * as an owner of any team, an `auditor` claim reads any team like an auditor member. Decisions are
 * values (decision.ts); the orchestrators (actions/teams.ts, actions/invitations.ts) enforce them.
 */
import { accept, refuse, type Decision } from '../decision';
import type { Claims } from '../identity';

export const TEAM_ROLES = ['owner', 'admin', 'developer', 'auditor'] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

export const isTeamRole = (value: unknown): value is TeamRole => typeof value === 'string' && (TEAM_ROLES as readonly string[]).includes(value);

const RANK: Record<TeamRole, number> = { owner: 4, admin: 3, developer: 2, auditor: 1 };

/** Whether `role` is `other` or above it. */
export const atLeast = (role: TeamRole, other: TeamRole): boolean => RANK[role] >= RANK[other];

/**
 * The role a caller acts with in a team: their membership's, raised by project-wide claims (an
 * `admin` claim is an owner everywhere; an `auditor` claim reads everywhere). Undefined: the
 * caller is nothing to this team, and the team answers 404.
 */
export function effectiveRole(member: TeamRole | undefined, claims: Claims): TeamRole | undefined {
  if (claims.admin === true) return 'owner';
  if (member) return member;
  return claims.auditor === true ? 'auditor' : undefined;
}

const forbidden = (message: string) => refuse('forbidden', message);

/** Renaming a team and its settings (`revokeKeysOnLeave`): owners and admins. Deleting it: owners. */
export function decideTeamChange(role: TeamRole, change: 'update' | 'delete'): Decision {
  if (change === 'delete') return role === 'owner' ? accept() : forbidden('Only an owner may delete the team.');
  return atLeast(role, 'admin') ? accept() : forbidden('Only owners and admins may change the team.');
}

export interface RoleChange {
  /** The caller's role in the team (effectiveRole). */
  actor: TeamRole;
  /** The member's role now, and the one asked for. */
  from: TeamRole;
  to: TeamRole;
  /** How many owners the team has now. */
  owners: number;
}

/**
 * Changing a member's role. Owners change anyone's; admins change roles below owner and give
 * none above their own; developers and auditors change none (their own included). The last owner
 * cannot be demoted: 409, whoever asks.
 */
export function decideRoleChange({ actor, from, to, owners }: RoleChange): Decision {
  if (!atLeast(actor, 'admin')) return forbidden('Only owners and admins may change roles.');
  if (actor !== 'owner' && (from === 'owner' || to === 'owner')) return forbidden('Only an owner may make or change an owner.');
  if (from === 'owner' && to !== 'owner' && owners <= 1) return refuse('conflict', 'The last owner cannot be demoted; make another member an owner first.');
  return accept();
}

export interface Removal {
  actor: TeamRole;
  target: TeamRole;
  /** The caller removes themselves: leaving. */
  self: boolean;
  owners: number;
}

/** Removing a member: anyone may leave; owners remove anyone, admins anyone below owner. The last owner stays (409). */
export function decideRemoval({ actor, target, self, owners }: Removal): Decision {
  if (!self) {
    if (!atLeast(actor, 'admin')) return forbidden('Only owners and admins may remove members.');
    if (target === 'owner' && actor !== 'owner') return forbidden('Only an owner may remove an owner.');
  }
  if (target === 'owner' && owners <= 1) return refuse('conflict', 'The last owner cannot leave or be removed; make another member an owner first.');
  return accept();
}

/** Inviting: owners and admins, for a role no higher than their own. */
export function decideInvite(actor: TeamRole, role: TeamRole): Decision {
  if (!atLeast(actor, 'admin')) return forbidden('Only owners and admins may invite.');
  if (!atLeast(actor, role)) return forbidden(`An ${actor} may not invite an ${role}.`);
  return accept();
}

/** Listing and withdrawing invitations: owners and admins. */
export function decideInvitations(role: TeamRole): Decision {
  return atLeast(role, 'admin') ? accept() : forbidden('Only owners and admins manage invitations.');
}

/** Team keys: owners and admins manage every one, developers create and manage those they created, auditors none. */
export function decideTeamKey(role: TeamRole, action: 'create' | 'manage', createdByCaller: boolean): Decision {
  if (atLeast(role, 'admin')) return accept();
  if (role === 'developer' && (action === 'create' || createdByCaller)) return accept();
  return forbidden(role === 'developer' ? 'A developer manages only the team keys they created.' : 'Auditors read the team; they change nothing.');
}

/** What every member reads (the team, its members, its keys, its usage); the audit trail: owners, admins, auditors. */
export function decideTeamRead(role: TeamRole, what: 'team' | 'audit'): Decision {
  if (what === 'audit' && role === 'developer') return forbidden("Developers do not read the team's audit trail.");
  return accept();
}

/** Team limits and credits: owners and admins. */
export function decideTeamLimits(role: TeamRole): Decision {
  return atLeast(role, 'admin') ? accept() : forbidden('Only owners and admins may change the team limits.');
}
