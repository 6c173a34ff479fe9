// Invitations: the mail document with its link, accepting once, replay, expiry (a stored expiresAt
// moved into the past with the Admin SDK), a wrong or unverified email, withdrawal, racing accepts.
import { adminDb } from '../../harness/admin';
import { as, appWithAudit, createTeam, createUser, error, join, mailedToken, rolesOf, verifiedUser, type App } from './support';

let app: App;
beforeAll(async () => {
  app = await appWithAudit();
}, 60_000);
afterAll(() => app.close());

async function invite(teamId: string, by: { idToken: string }, email: string, role = 'developer') {
  const res = await as(app, by, 'POST', `/v1/teams/${teamId}/invitations`, { email, role });
  expect(res.status).toBe(201);
  return { id: res.json.id as string, ...(await mailedToken(app, res.json.id)) };
}

describe('team invitations', () => {
  it('writes a mail document with a single-use link; the invited person accepts once, a replay is refused', async () => {
    const [owner, invitee] = await Promise.all([verifiedUser(), verifiedUser()]);
    const teamId = await createTeam(app, owner);
    const res = await as(app, owner, 'POST', `/v1/teams/${teamId}/invitations`, { email: invitee.email.toUpperCase(), role: 'admin' });
    expect([res.status, res.json]).toEqual([
      201,
      { id: expect.stringMatching(/^[A-Za-z0-9]{16}$/), teamId, email: invitee.email, role: 'admin', status: 'pending', createdAt: expect.any(String), expiresAt: expect.any(String), acceptedAt: null, withdrawnAt: null },
    ]);
    expect(Date.parse(res.json.expiresAt) - Date.parse(res.json.createdAt)).toBe(7 * 86_400_000);
    const mail = await mailedToken(app, res.json.id);
    expect([mail.to, mail.link, mail.token]).toEqual([invitee.email, expect.stringMatching(/\/invitations\/accept#token=kwi_/), expect.stringMatching(/^kwi_[A-Za-z0-9]{16}_[A-Za-z0-9]{43}$/)]);
    // Stored only as a hash; never in the trail.
    const stored = (await adminDb().collection('teamInvitations').doc(res.json.id).get()).data()!;
    expect(JSON.stringify(stored)).not.toContain(mail.token.split('_')[2]);
    expect(JSON.stringify(app.events)).not.toContain(mail.token.split('_')[2]);

    const accepted = await as(app, invitee, 'POST', '/v1/invitations/accept', { token: mail.token });
    expect([accepted.status, accepted.json]).toEqual([200, { team: { id: teamId, name: 'Acme', role: 'admin' } }]);
    const replay = await as(app, invitee, 'POST', '/v1/invitations/accept', { token: mail.token });
    expect([replay.status, replay.json]).toEqual([409, error('conflict')]);
    expect(await rolesOf(app, teamId, owner)).toEqual({ [owner.uid]: 'owner', [invitee.uid]: 'admin' });
    const listed = await as(app, owner, 'GET', `/v1/teams/${teamId}/invitations`);
    expect(listed.json.invitations.map((i: { status: string }) => i.status)).toEqual(['accepted']);
  });

  it('refuses a wrong email, an unverified email, an expired or withdrawn invitation, and a forged token; nothing changes', async () => {
    const [owner, invitee, other] = await Promise.all([verifiedUser(), verifiedUser(), verifiedUser()]);
    const unverified = await createUser();
    const teamId = await createTeam(app, owner);
    const forUnverified = await invite(teamId, owner, unverified.email);
    const expiring = await invite(teamId, owner, invitee.email);
    const withdrawn = await invite(teamId, owner, invitee.email);
    await adminDb().collection('teamInvitations').doc(expiring.id).update({ expiresAt: Date.now() - 1000 });
    const gone = await as(app, owner, 'DELETE', `/v1/teams/${teamId}/invitations/${withdrawn.id}`);
    expect([gone.status, gone.json.status]).toEqual([200, 'withdrawn']);
    const forged = `kwi_${withdrawn.id}_${'A'.repeat(43)}`;
    const answers = await Promise.all([
      as(app, other, 'POST', '/v1/invitations/accept', { token: forUnverified.token }),
      as(app, unverified, 'POST', '/v1/invitations/accept', { token: forUnverified.token }),
      as(app, invitee, 'POST', '/v1/invitations/accept', { token: expiring.token }),
      as(app, invitee, 'POST', '/v1/invitations/accept', { token: withdrawn.token }),
      as(app, invitee, 'POST', '/v1/invitations/accept', { token: forged }),
      as(app, invitee, 'POST', '/v1/invitations/accept', { token: 'not a token' }),
    ]);
    expect(answers.map((r) => [r.status, r.json.error.code])).toEqual([
      [403, 'forbidden'],
      [403, 'forbidden'],
      [409, 'conflict'],
      [409, 'conflict'],
      [404, 'not_found'],
      [400, 'invalid_request'],
    ]);
    expect(await rolesOf(app, teamId, owner)).toEqual({ [owner.uid]: 'owner' });
    const listed = await as(app, owner, 'GET', `/v1/teams/${teamId}/invitations`);
    expect(listed.json.invitations.map((i: { status: string }) => i.status).sort()).toEqual(['expired', 'pending', 'withdrawn']);
  });

  it('of two accepts racing, one wins and the other changes nothing', async () => {
    const [owner, invitee] = await Promise.all([verifiedUser(), verifiedUser()]);
    const teamId = await createTeam(app, owner);
    const { token } = await invite(teamId, owner, invitee.email);
    const answers = await Promise.all([0, 1, 2].map(() => as(app, invitee, 'POST', '/v1/invitations/accept', { token })));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    expect(await rolesOf(app, teamId, owner)).toEqual({ [owner.uid]: 'owner', [invitee.uid]: 'developer' });
  });

  it("a removed or demoted inviter's invitations lapse (nothing changes); a project admin's stand", async () => {
    const [owner, removed, demoted, removedAlias, demotedAlias, invitee] = await Promise.all([0, 1, 2, 3, 4, 5].map(() => verifiedUser()));
    const projectAdmin = await verifiedUser({ admin: true });
    const teamId = await createTeam(app, owner);
    await join(app, teamId, owner, removed, 'admin');
    await join(app, teamId, owner, demoted, 'admin');
    // Each admin invites an address of their own before losing the role that allowed it.
    const byRemoved = await invite(teamId, removed, removedAlias.email, 'admin');
    const byDemoted = await invite(teamId, demoted, demotedAlias.email, 'developer');
    const byProjectAdmin = await invite(teamId, projectAdmin, invitee.email, 'admin');
    expect((await as(app, owner, 'DELETE', `/v1/teams/${teamId}/members/${removed.uid}`)).status).toBe(200);
    expect((await as(app, owner, 'PATCH', `/v1/teams/${teamId}/members/${demoted.uid}`, { role: 'developer' })).status).toBe(200);

    const lapsed = [await as(app, removedAlias, 'POST', '/v1/invitations/accept', { token: byRemoved.token }), await as(app, demotedAlias, 'POST', '/v1/invitations/accept', { token: byDemoted.token })];
    expect(lapsed.map((r) => [r.status, r.json])).toEqual([
      [409, error('conflict')],
      [409, error('conflict')],
    ]);
    const stands = await as(app, invitee, 'POST', '/v1/invitations/accept', { token: byProjectAdmin.token });
    expect([stands.status, stands.json]).toEqual([200, { team: { id: teamId, name: 'Acme', role: 'admin' } }]);
    expect(await rolesOf(app, teamId, owner)).toEqual({ [owner.uid]: 'owner', [demoted.uid]: 'developer', [invitee.uid]: 'admin' });
    const listed = await as(app, owner, 'GET', `/v1/teams/${teamId}/invitations`);
    const statusOf = (id: string) => listed.json.invitations.find((i: { id: string }) => i.id === id).status;
    expect([statusOf(byRemoved.id), statusOf(byDemoted.id), statusOf(byProjectAdmin.id)]).toEqual(['pending', 'pending', 'accepted']);
  });

  it('of several invitations of one person accepted at once, one makes them a member; the owner count stays true', async () => {
    const [owner, invitee] = await Promise.all([verifiedUser(), verifiedUser()]);
    const teamId = await createTeam(app, owner);
    const roles = ['owner', 'admin', 'developer', 'auditor'];
    const invited = await Promise.all(roles.map((role) => invite(teamId, owner, invitee.email, role)));
    const answers = await Promise.all(invited.map(({ token }) => as(app, invitee, 'POST', '/v1/invitations/accept', { token })));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
    const won = answers.find((r) => r.status === 200)!.json.team.role as string;
    expect(answers.filter((r) => r.status === 409).map((r) => r.json)).toEqual([0, 1, 2].map(() => error('conflict')));
    expect(await rolesOf(app, teamId, owner)).toEqual({ [owner.uid]: 'owner', [invitee.uid]: won });
    // The stored count of owners is what the last-owner rule decides on: it must match the members.
    const stored = (await adminDb().collection('teams').doc(teamId).get()).data()!;
    expect(stored.owners).toBe(won === 'owner' ? 2 : 1);
    // The losers changed nothing: their invitations are still open.
    const listed = await as(app, owner, 'GET', `/v1/teams/${teamId}/invitations`);
    expect(listed.json.invitations.map((i: { role: string; status: string }) => [i.role, i.status]).sort()).toEqual(roles.map((role) => [role, role === won ? 'accepted' : 'pending']).sort());
    // With one owner, that owner cannot leave (the team would have none).
    const leave = await as(app, owner, 'DELETE', `/v1/teams/${teamId}/members/${owner.uid}`);
    expect(leave.status).toBe(won === 'owner' ? 200 : 409);
  });
});
