/**
 * What a person may do in a team, as the console shows it, and the team routes. Pure: no DOM, no
 * network. The API decides (and refuses with its own error); these only keep the page from
 * offering what it would refuse, so they mirror the issue's roles:
 * owner (everything), admin (members except owners, every team key, settings), developer (creates
 * team keys, manages the ones they created, reads usage), auditor (reads audit and usage only).
 */

export const TEAM_ROLES = ['owner', 'admin', 'developer', 'auditor'] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

export const ROLE_WORDS: Record<TeamRole, string> = {
  owner: 'Owner: everything, including owners and deleting the team',
  admin: 'Admin: members (except owners), every team key, settings',
  developer: 'Developer: creates team keys and manages their own, reads usage',
  auditor: 'Auditor: reads the audit trail and usage, changes nothing',
};

/** Project-wide claims keep their meaning in every team. */
interface Claims {
  admin?: boolean;
  auditor?: boolean;
}

const isRole = (role: unknown): role is TeamRole => typeof role === 'string' && (TEAM_ROLES as readonly string[]).includes(role);

/** Invites, role changes and removals: owners and admins. */
export const canManageMembers = (role: TeamRole): boolean => role === 'owner' || role === 'admin';

/** The roles `role` may give, by invitation or change: never one above its own; admins never make owners. */
export function assignableRoles(role: TeamRole): TeamRole[] {
  if (role === 'owner') return [...TEAM_ROLES];
  if (role === 'admin') return ['admin', 'developer', 'auditor'];
  return [];
}

/** Whether `mine` may change or remove a member holding `theirs`: an admin never touches an owner. */
export function canChangeMember(mine: TeamRole, theirs: TeamRole): boolean {
  return canManageMembers(mine) && (mine === 'owner' || theirs !== 'owner');
}

/** The team's audit trail: its owners, admins and auditors, and project admins and auditors. */
export function canReadTeamAudit(role: TeamRole, claims: Claims): boolean {
  return role === 'owner' || role === 'admin' || role === 'auditor' || claims.admin === true || claims.auditor === true;
}

/** Name and revokeKeysOnLeave: owners and admins. Deleting the team: owners. */
export const canEditSettings = (role: TeamRole): boolean => role === 'owner' || role === 'admin';
export const canDeleteTeam = (role: TeamRole): boolean => role === 'owner';

/** Creating team keys: everyone but auditors. */
export const canCreateTeamKeys = (role: TeamRole): boolean => role !== 'auditor';

/** Regenerate, pause, revoke a team key: owners and admins any, developers those they created. */
export function canManageTeamKey(role: TeamRole, myUid: string, createdBy: string | null | undefined): boolean {
  if (role === 'owner' || role === 'admin') return true;
  return role === 'developer' && !!createdBy && createdBy === myUid;
}

/**
 * A team key's own page: whether I may change it (its actions, edit and limits forms), and whose
 * events it lists: the team's trail (`GET /v1/audit?team=&keyId=`) for those who read it, else only
 * the events I took part in (a developer is refused the team's trail).
 */
export function teamKeyPage(role: TeamRole, claims: Claims, myUid: string, createdBy: string | null | undefined): { manage: boolean; events: 'team' | 'mine' } {
  return { manage: canManageTeamKey(role, myUid, createdBy), events: canReadTeamAudit(role, claims) ? 'team' : 'mine' };
}

/** Whether this member is the only owner: they can neither leave nor be demoted (the API says 409). */
export function isLastOwner(members: ReadonlyArray<{ uid: string; role: string }>, uid: string): boolean {
  const owners = members.filter((m) => m.role === 'owner');
  return owners.length === 1 && owners[0]!.uid === uid;
}

/** The pages of a team. */
export type TeamPage = 'keys' | 'members' | 'audit' | 'settings';
export const TEAM_PAGES: Record<TeamPage, string> = { keys: 'Team keys', members: 'Members', audit: 'Team audit', settings: 'Settings' };

/** The pages a role sees in the team's navigation. */
export function teamPagesFor(role: TeamRole, claims: Claims): TeamPage[] {
  const pages: TeamPage[] = ['keys', 'members'];
  if (canReadTeamAudit(role, claims)) pages.push('audit');
  if (canEditSettings(role)) pages.push('settings');
  return pages;
}

/** Team ids are public, like key ids; anything else in the hash is not a team route. */
const TEAM_ID = '[A-Za-z0-9_-]{1,128}';

/** `#team/<id>`, `#team/<id>/<page>` or `#team/<id>/keys/<key id>` → the team, page (keys by default) and key; undefined otherwise. */
export function teamRouteOf(hash: string): { teamId: string; page: TeamPage; keyId?: string } | undefined {
  const key = new RegExp(`^#team/(${TEAM_ID})/keys/([A-Za-z0-9]{1,64})$`).exec(hash);
  if (key) return { teamId: key[1]!, page: 'keys', keyId: key[2]! };
  const m = new RegExp(`^#team/(${TEAM_ID})(?:/(keys|members|audit|settings))?$`).exec(hash);
  return m ? { teamId: m[1]!, page: (m[2] as TeamPage | undefined) ?? 'keys' } : undefined;
}

export const teamHref = (teamId: string, page: TeamPage = 'keys'): string => `#team/${encodeURIComponent(teamId)}/${page}`;
export const teamKeyHref = (teamId: string, keyId: string): string => `${teamHref(teamId)}/${encodeURIComponent(keyId)}`;

/** An invitation token (`kwi_<invitation id>_<secret>`, as the API mails it): URL-safe characters only. */
const TOKEN = /^[A-Za-z0-9_.~-]{16,512}$/;
/** The names an invitation link may give its token, in the hash or the query. */
const TOKEN_PARAMS = ['token', 'invitation', 'invite'];
/** The path of the mail's link (`<site>/invitations/accept#token=…`): Hosting serves the console there. */
const ACCEPT_PATH = /\/invitations\/accept\/?$/;

/**
 * The invitation token of a link, and the address to show instead: the console's own, without the
 * token, so it stays out of the history, bookmarks and screenshots. The API's link carries it in
 * the hash (`/invitations/accept#token=…`), which never reaches a server or a Referer; the hash
 * forms `#invitation?token=…` and a query parameter are accepted too.
 */
export function invitationFromUrl(url: { pathname: string; search: string; hash: string }): { token: string; cleanUrl: string } | undefined {
  const hashMatch = /^#(?:(?:invitation|invite|accept|invitations\/accept|accept-invitation)\?)?(.*)$/.exec(url.hash);
  const fromHash = hashMatch ? tokenIn(new URLSearchParams(hashMatch[1])) : undefined;
  const query = new URLSearchParams(url.search);
  const fromQuery = tokenIn(query);
  const token = fromHash ?? fromQuery;
  if (!token) return undefined;
  for (const name of TOKEN_PARAMS) query.delete(name);
  const search = query.toString();
  const path = url.pathname.replace(ACCEPT_PATH, '/');
  return { token, cleanUrl: `${path}${search ? `?${search}` : ''}#invitation` };
}

function tokenIn(params: URLSearchParams): string | undefined {
  for (const name of TOKEN_PARAMS) {
    const value = params.get(name);
    if (value !== null && TOKEN.test(value)) return value;
  }
  return undefined;
}

/** What removing a member does to the team keys they created, in words (the dialog before removal). */
export function departureText(keys: ReadonlyArray<{ name: string }>, revokes: boolean, who: string): string {
  if (keys.length === 0) return `${who} created no team keys that are still active: removal changes no key.`;
  const n = keys.length === 1 ? 'the 1 team key' : `the ${keys.length} team keys`;
  return revokes
    ? `This team revokes a leaver's keys: ${n} ${who} created will be revoked, and clients using them will be refused.`
    : `${n[0]!.toUpperCase()}${n.slice(1)} ${who} created stay active: they belong to the team and keep working.`;
}

/** The team's role of a value the API sent, or undefined when it names no role this console knows. */
export const roleOf = (value: unknown): TeamRole | undefined => (isRole(value) ? value : undefined);
