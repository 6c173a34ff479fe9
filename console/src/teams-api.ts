/**
 * Teams from the page: the REST API with the session cookie (`/v1/teams…`, `/v1/invitations/accept`,
 * and `/v1/keys`, `/v1/usage`, `/v1/audit` with `team`). Ids go into paths encoded; the invitation
 * token only ever travels in a request body.
 */
import { rest, type AuditPage, type KeyView, type KeyWithSecret, type OwnerLimits, type UsageReport } from './api';
import type { components } from './openapi';
import type { TeamRole } from './team-rules';

/** The API's own shapes, generated from docs/openapi.json (`npm run openapi`). */
type Schemas = components['schemas'];

/** A team as `GET /v1/teams` lists it, with my role in it (a project admin's is owner, a project auditor's auditor). */
export type Team = Schemas['Team'] & { role: TeamRole };
export type Member = Schemas['TeamMember'];
export type Invitation = Schemas['TeamInvitation'];
/** What removing a member would do to the team keys they created: `keys` are theirs, `revokes` those removal revokes. */
export type Departure = Schemas['TeamDeparture'];
export type TeamDeleted = Schemas['TeamDeleted'];
/** A team key as listed: a key, with the team and who created it. */
export type TeamKey = KeyView;

/** The API leaves `role` out where the caller holds none of their own; such a caller only reads (fail closed). */
const withRole = (team: Schemas['Team']): Team => ({ ...team, role: team.role ?? 'auditor' });

const t = (id: string) => `/v1/teams/${encodeURIComponent(id)}`;

export const teamsApi = {
  list: async () => ({ teams: (await rest<Schemas['TeamList']>('GET', '/v1/teams')).teams.map(withRole) }),
  create: async (name: string) => withRole(await rest<Schemas['Team']>('POST', '/v1/teams', { name })),
  update: async (id: string, change: Schemas['TeamPatch']) => withRole(await rest<Schemas['Team']>('PATCH', t(id), change)),
  remove: (id: string) => rest<TeamDeleted>('DELETE', t(id)),
  members: (id: string) => rest<Schemas['TeamMemberList']>('GET', `${t(id)}/members`),
  setRole: (id: string, uid: string, role: TeamRole) => rest<Member>('PATCH', `${t(id)}/members/${encodeURIComponent(uid)}`, { role }),
  removeMember: (id: string, uid: string) => rest<Schemas['TeamMemberRemoved']>('DELETE', `${t(id)}/members/${encodeURIComponent(uid)}`),
  departure: (id: string, uid: string) => rest<Departure>('GET', `${t(id)}/members/${encodeURIComponent(uid)}/departure`),
  invitations: (id: string) => rest<Schemas['TeamInvitationList']>('GET', `${t(id)}/invitations`),
  invite: (id: string, email: string, role: TeamRole) => rest<Invitation>('POST', `${t(id)}/invitations`, { email, role }),
  withdraw: (id: string, invitationId: string) => rest<Invitation>('DELETE', `${t(id)}/invitations/${encodeURIComponent(invitationId)}`),
  accept: (token: string) => rest<Schemas['InvitationAccepted']>('POST', '/v1/invitations/accept', { token }),
  keys: (id: string) => rest<Schemas['KeyList']>('GET', `/v1/keys?${new URLSearchParams({ team: id })}`),
  createKey: (id: string, body: Record<string, unknown>) => rest<KeyWithSecret>('POST', '/v1/keys', { ...body, team: id }),
  /** The team's own limits and credits, shared by all its keys (as a person's are by theirs). */
  limits: (id: string) => rest<OwnerLimits>('GET', `${t(id)}/limits`),
  updateLimits: (id: string, change: Record<string, unknown>) => rest<OwnerLimits>('PATCH', `${t(id)}/limits`, change),
  usage: (id: string) => rest<UsageReport>('GET', `/v1/usage?${new URLSearchParams({ team: id })}`),
  /** One team key's usage and recent changes, from the team's records (a member is not the key's owner). */
  keyUsage: (id: string, keyId: string) => rest<UsageReport>('GET', `/v1/usage?${new URLSearchParams({ team: id, keyId })}`),
  keyAudit: (id: string, keyId: string) => rest<AuditPage>('GET', `/v1/audit?${new URLSearchParams({ team: id, keyId, kind: 'changes', pageSize: '10' })}`),
  audit: (id: string, pageToken?: string) =>
    rest<AuditPage>('GET', `/v1/audit?${new URLSearchParams({ team: id, kind: 'changes', pageSize: '50', ...(pageToken ? { pageToken } : {}) })}`),
};

/** Team keys are managed over REST with the cookie, as personal keys are through the callables. */
export const teamKeyOps = {
  revoke: (keyId: string) => rest<KeyView>('DELETE', `/v1/keys/${encodeURIComponent(keyId)}`),
  regenerate: (keyId: string, gracePeriod: number) => rest<KeyWithSecret>('POST', `/v1/keys/${encodeURIComponent(keyId)}/regenerate`, { gracePeriod }),
  update: (keyId: string, change: Record<string, unknown>) => rest<KeyView>('PATCH', `/v1/keys/${encodeURIComponent(keyId)}`, change),
};
