/**
 * Teams from the page: the REST API with the session cookie (`/v1/teams…`, `/v1/invitations/accept`,
 * and `/v1/keys`, `/v1/usage`, `/v1/audit` with `team`). Ids go into paths encoded; the invitation
 * token only ever travels in a request body.
 */
import { rest, type AuditPage, type KeyView, type KeyWithSecret, type UsageReport } from './api';
import type { TeamRole } from './team-rules';

/** A team as `GET /v1/teams` lists it: with my role in it. */
export interface Team {
  id: string;
  name: string;
  role: TeamRole;
  revokeKeysOnLeave: boolean;
  /** What a project admin granted the team: the most a team key can do, and the scopes it narrows to. */
  grants?: string[];
  createdAt?: string;
}

export interface Member {
  uid: string;
  email?: string | null;
  role: TeamRole;
  joinedAt?: string | null;
}

export interface Invitation {
  id: string;
  email: string;
  role: TeamRole;
  createdAt?: string | null;
  expiresAt: string;
  invitedBy?: string | null;
}

/** What removing a member would do to the team keys they created. */
export interface Departure {
  revokeKeysOnLeave: boolean;
  keys: Array<{ id: string; name: string }>;
}

/** A team key as listed: a key, and who created it. */
export type TeamKey = KeyView & { createdBy?: string | null; team?: string | null };

const t = (id: string) => `/v1/teams/${encodeURIComponent(id)}`;

export const teamsApi = {
  list: () => rest<{ teams: Team[] }>('GET', '/v1/teams'),
  create: (name: string) => rest<Team>('POST', '/v1/teams', { name }),
  get: (id: string) => rest<Team>('GET', t(id)),
  update: (id: string, change: { name?: string; revokeKeysOnLeave?: boolean }) => rest<Team>('PATCH', t(id), change),
  remove: (id: string) => rest<unknown>('DELETE', t(id)),
  members: (id: string) => rest<{ members: Member[] }>('GET', `${t(id)}/members`),
  setRole: (id: string, uid: string, role: TeamRole) => rest<Member>('PATCH', `${t(id)}/members/${encodeURIComponent(uid)}`, { role }),
  removeMember: (id: string, uid: string) => rest<unknown>('DELETE', `${t(id)}/members/${encodeURIComponent(uid)}`),
  departure: (id: string, uid: string) => rest<Departure>('GET', `${t(id)}/members/${encodeURIComponent(uid)}/departure`),
  invitations: (id: string) => rest<{ invitations: Invitation[] }>('GET', `${t(id)}/invitations`),
  invite: (id: string, email: string, role: TeamRole) => rest<Invitation>('POST', `${t(id)}/invitations`, { email, role }),
  withdraw: (id: string, invitationId: string) => rest<unknown>('DELETE', `${t(id)}/invitations/${encodeURIComponent(invitationId)}`),
  accept: (token: string) => rest<{ team: { id: string; name: string }; role: TeamRole }>('POST', '/v1/invitations/accept', { token }),
  keys: (id: string) => rest<{ keys: TeamKey[] }>('GET', `/v1/keys?${new URLSearchParams({ team: id })}`),
  createKey: (id: string, body: Record<string, unknown>) => rest<KeyWithSecret>('POST', '/v1/keys', { ...body, team: id }),
  usage: (id: string) => rest<UsageReport>('GET', `/v1/usage?${new URLSearchParams({ team: id })}`),
  audit: (id: string, pageToken?: string) =>
    rest<AuditPage>('GET', `/v1/audit?${new URLSearchParams({ team: id, pageSize: '50', ...(pageToken ? { pageToken } : {}) })}`),
};

/** Team keys are managed over REST with the cookie, as personal keys are through the callables. */
export const teamKeyOps = {
  revoke: (keyId: string) => rest<KeyView>('DELETE', `/v1/keys/${encodeURIComponent(keyId)}`),
  regenerate: (keyId: string, gracePeriod: number) => rest<KeyWithSecret>('POST', `/v1/keys/${encodeURIComponent(keyId)}/regenerate`, { gracePeriod }),
  update: (keyId: string, change: Record<string, unknown>) => rest<KeyView>('PATCH', `/v1/keys/${encodeURIComponent(keyId)}`, change),
};
