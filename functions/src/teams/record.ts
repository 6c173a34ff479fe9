/**
 * Teams as stored, and the port that stores them (store/teams.ts is the Firestore adapter; tests
 * use an in-memory one). A team owns keys: their `ownerUid` is `team:<id>` (`teamPrincipal`), so
 * every per-owner mechanism (the key cap, owner limits and credits, usage, token `sub`) applies to
 * the team as it does to a person.
 */
import type { TeamRole } from './roles';

export interface TeamRecord {
  teamId: string;
  name: string;
  /** Revoke the keys a member created when they leave or are removed (else the keys stay). */
  revokeKeysOnLeave: boolean;
  /** What the team's keys may do (set by a project admin): the claims `{permissions: grants}`. */
  grants: string[];
  /** How many members are owners: the last one can neither leave nor be demoted. */
  owners: number;
  createdAt: number;
  createdBy: string;
  /** Set when the team was deleted: its keys are revoked and it answers 404. */
  deletedAt: number | null;
  /** Every change of the team or its members moves it (store/teams.ts): what conditional writes are conditional on. */
  revision: number;
}

export interface MemberRecord {
  teamId: string;
  uid: string;
  role: TeamRole;
  addedAt: number;
  /** The member's email when they joined (shown in member lists). */
  email?: string | null;
}

export interface InvitationRecord {
  invitationId: string;
  teamId: string;
  /** Lower-cased. */
  email: string;
  role: TeamRole;
  /** SHA-256 of the token's secret part (lib/token-hash.ts): the token itself is never stored. */
  secretHash: string;
  createdAt: number;
  createdBy: string;
  expiresAt: number;
  acceptedAt: number | null;
  acceptedBy: string | null;
  withdrawnAt: number | null;
}

/** The owner id of a team's keys, limits and usage; also the `sub` of their access tokens. */
export const TEAM_PRINCIPAL_PREFIX = 'team:';
export const teamPrincipal = (teamId: string): string => `${TEAM_PRINCIPAL_PREFIX}${teamId}`;
/**
 * Roles are not permissions: `admin` or `auditor` among a team's grants would give its keys those
 * roles (keys/restrictions.ts `grantsOf` reads permissions and roles as one set). A team holds
 * permissions only; the CLI, the grants endpoint and the owner directory all keep roles out.
 */
export const ROLE_NAMES: readonly string[] = ['admin', 'auditor'];
export const isGrantable = (permission: string): boolean => !ROLE_NAMES.includes(permission);
export const TEAM_ID_PATTERN = /^[A-Za-z0-9]{16}$/;
export const isTeamId = (value: unknown): value is string => typeof value === 'string' && TEAM_ID_PATTERN.test(value);
/** The team a principal names, if it is one. */
export const teamOfPrincipal = (uid: string): string | undefined => (uid.startsWith('team:') && isTeamId(uid.slice(5)) ? uid.slice(5) : undefined);

/** One conditional write of a team (store/teams.ts `change`): the team's new fields and its members' changes. */
export interface TeamChange {
  team?: Partial<Omit<TeamRecord, 'teamId' | 'revision'>>;
  /** Members to write whole (added, or a new role). */
  put?: MemberRecord[];
  /** Members to remove, by uid. */
  remove?: string[];
}

export interface TeamStore {
  /** The team and its first owner, in one commit. */
  create(team: TeamRecord, owner: MemberRecord): Promise<void>;
  get(teamId: string): Promise<TeamRecord | undefined>;
  member(teamId: string, uid: string): Promise<MemberRecord | undefined>;
  members(teamId: string, limit: number): Promise<MemberRecord[]>;
  /** A person's memberships (the per-user index: one equality query on `uid`), newest first. */
  membershipsOf(uid: string, limit: number): Promise<MemberRecord[]>;
  /**
   * Applies `change` only if the team is still at `revision`, moving it to `revision + 1`; every
   * member write and the `team`/`member` change-feed entries go in the same commit. False: another
   * change came first, and this one changed nothing.
   */
  change(teamId: string, revision: number, change: TeamChange): Promise<boolean>;
  createInvitation(invitation: InvitationRecord): Promise<void>;
  invitation(invitationId: string): Promise<InvitationRecord | undefined>;
  /**
   * Uses an invitation up (accepted or withdrawn), once: of racing uses exactly one gets true (a
   * `create()` of its marker, which every Firestore honours), and `patch` is written with it.
   */
  useInvitation(invitationId: string, patch: Partial<InvitationRecord>): Promise<boolean>;
  /** Undoes a use whose follow-up could not be made (the membership write failed): the invitation is open again. */
  releaseInvitation(invitationId: string, patch: Partial<InvitationRecord>): Promise<void>;
  /** Open and past invitations of a team, newest first. */
  invitations(teamId: string, limit: number): Promise<InvitationRecord[]>;
}
