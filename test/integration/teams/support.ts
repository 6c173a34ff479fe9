// Helpers for the team tests: the app in this process (its audit in memory), requests as a user,
// a team with members in given roles (invited and accepted through the API, as people join).
import { adminAuth, adminDb } from '../../harness/admin';
import { createUser, signIn, type ApiResponse, type TestUser } from '../../harness/auth';
import { bearer } from '../../harness/keys';
import { appWithAudit, fetchAt } from '../security/support';
import type { InProcessApp } from '../../harness/in-process';

export type App = Awaited<ReturnType<typeof appWithAudit>>;
export type Role = 'owner' | 'admin' | 'developer' | 'auditor';
export { appWithAudit, createUser, fetchAt, type TestUser };

/** A request as `user` (its ID token), with a JSON body when given. */
export function as(app: { url: string }, user: TestUser | { idToken: string }, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
  const init: RequestInit = { method, headers: { ...bearer(user.idToken), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers } };
  if (body !== undefined) init.body = JSON.stringify(body);
  return fetchAt(`${app.url}${path}`, init);
}

/** A new user whose email Firebase Auth has verified (invitations need it), signed in after. */
export async function verifiedUser(claims?: Record<string, unknown>): Promise<TestUser> {
  const user = await createUser();
  await adminAuth().updateUser(user.uid, { emailVerified: true });
  if (claims) await adminAuth().setCustomUserClaims(user.uid, claims);
  return signIn(user.email, user.password);
}

export async function createTeam(app: InProcessApp, owner: TestUser, name = 'Acme'): Promise<string> {
  const res = await as(app, owner, 'POST', '/v1/teams', { name });
  if (res.status !== 201) throw new Error(`create team: ${res.status} ${res.text}`);
  return res.json.id as string;
}

/** The token in the invitation mail's link (the Trigger Email document), read as the extension would. */
export async function mailedToken(app: InProcessApp, invitationId: string): Promise<{ to: string; link: string; token: string }> {
  const snap = await adminDb().collection(app.services.config.notifications.mailCollection).doc(`invitation-${invitationId}`).get();
  const mail = snap.data() as { to: string; message: { text: string } };
  const link = /https?:\/\/\S+/.exec(mail.message.text)![0];
  return { to: mail.to, link, token: new URL(link).hash.replace('#token=', '') };
}

/** Invites `user` as `role` (by `by`) and has them accept: they are then a member. */
export async function join(app: InProcessApp, teamId: string, by: TestUser, user: TestUser, role: Role): Promise<void> {
  const invited = await as(app, by, 'POST', `/v1/teams/${teamId}/invitations`, { email: user.email, role });
  if (invited.status !== 201) throw new Error(`invite: ${invited.status} ${invited.text}`);
  const { token } = await mailedToken(app, invited.json.id);
  const accepted = await as(app, user, 'POST', '/v1/invitations/accept', { token });
  if (accepted.status !== 200) throw new Error(`accept: ${accepted.status} ${accepted.text}`);
}

/** A team with an owner and one verified member in each other role. */
export async function teamWithRoles(app: App) {
  const [owner, admin, developer, auditor, stranger] = await Promise.all([verifiedUser(), verifiedUser(), verifiedUser(), verifiedUser(), verifiedUser()]);
  const teamId = await createTeam(app, owner);
  for (const [user, role] of [[admin, 'admin'], [developer, 'developer'], [auditor, 'auditor']] as const) await join(app, teamId, owner, user, role);
  return { teamId, owner, admin, developer, auditor, stranger };
}

/** The team's members as `{uid: role}`. */
export async function rolesOf(app: InProcessApp, teamId: string, reader: TestUser): Promise<Record<string, string>> {
  const res = await as(app, reader, 'GET', `/v1/teams/${teamId}/members`);
  if (res.status !== 200) throw new Error(`members: ${res.status} ${res.text}`);
  return Object.fromEntries((res.json.members as { uid: string; role: string }[]).map((m) => [m.uid, m.role]));
}

export const error = (code: string) => ({ error: { code, message: expect.any(String) } });
