// Roles and the last owner: who may change whose role, remove whom, and that the last owner can
// neither leave nor be demoted (409, nothing changed).
import { as, appWithAudit, error, rolesOf, teamWithRoles, type App } from './support';

let app: App;
beforeAll(async () => {
  app = await appWithAudit();
}, 60_000);
afterAll(() => app.close());

describe('team roles', () => {
  it('makes the creator the owner, lists the team as mine with my role, and records team.create with the team id', async () => {
    const t = await teamWithRoles(app);
    const mine = await as(app, t.developer, 'GET', '/v1/teams');
    expect([mine.status, mine.json.teams]).toEqual([200, [{ id: t.teamId, name: 'Acme', role: 'developer', revokeKeysOnLeave: false, grants: [], createdAt: expect.any(String) }]]);
    expect(await rolesOf(app, t.teamId, t.auditor)).toEqual({ [t.owner.uid]: 'owner', [t.admin.uid]: 'admin', [t.developer.uid]: 'developer', [t.auditor.uid]: 'auditor' });
    expect(app.events.filter((e) => e.target?.team === t.teamId).map((e) => e.event)).toEqual(expect.arrayContaining(['team.create', 'team.invite', 'team.accept', 'team.member.add']));
  });

  it('the last owner can neither leave nor be demoted (409), until there is another owner', async () => {
    const t = await teamWithRoles(app);
    const before = await rolesOf(app, t.teamId, t.owner);
    const leave = await as(app, t.owner, 'DELETE', `/v1/teams/${t.teamId}/members/${t.owner.uid}`);
    const demote = await as(app, t.owner, 'PATCH', `/v1/teams/${t.teamId}/members/${t.owner.uid}`, { role: 'admin' });
    expect([leave.status, leave.json, demote.status, demote.json]).toEqual([409, error('conflict'), 409, error('conflict')]);
    expect(await rolesOf(app, t.teamId, t.owner)).toEqual(before);
    const promote = await as(app, t.owner, 'PATCH', `/v1/teams/${t.teamId}/members/${t.admin.uid}`, { role: 'owner' });
    expect([promote.status, promote.json]).toEqual([200, { uid: t.admin.uid, email: t.admin.email, role: 'owner', addedAt: expect.any(String) }]);
    const left = await as(app, t.owner, 'DELETE', `/v1/teams/${t.teamId}/members/${t.owner.uid}`);
    expect([left.status, left.json]).toEqual([200, { uid: t.owner.uid, removed: true, revokedKeys: [] }]);
    expect(await rolesOf(app, t.teamId, t.admin)).toEqual({ [t.admin.uid]: 'owner', [t.developer.uid]: 'developer', [t.auditor.uid]: 'auditor' });
  });

  it('a developer cannot promote themselves or invite anyone (an admin included); an auditor changes nothing', async () => {
    const t = await teamWithRoles(app);
    const before = await rolesOf(app, t.teamId, t.owner);
    const answers = await Promise.all([
      as(app, t.developer, 'PATCH', `/v1/teams/${t.teamId}/members/${t.developer.uid}`, { role: 'admin' }),
      as(app, t.developer, 'POST', `/v1/teams/${t.teamId}/invitations`, { email: 'new@example.com', role: 'admin' }),
      as(app, t.developer, 'POST', `/v1/teams/${t.teamId}/invitations`, { email: 'new@example.com', role: 'developer' }),
      as(app, t.auditor, 'PATCH', `/v1/teams/${t.teamId}/members/${t.auditor.uid}`, { role: 'developer' }),
      as(app, t.auditor, 'DELETE', `/v1/teams/${t.teamId}/members/${t.developer.uid}`),
      as(app, t.developer, 'PATCH', `/v1/teams/${t.teamId}`, { name: 'mine now' }),
    ]);
    expect(answers.map((r) => [r.status, r.json])).toEqual(answers.map(() => [403, error('forbidden')]));
    expect(await rolesOf(app, t.teamId, t.owner)).toEqual(before);
    const invitations = await as(app, t.owner, 'GET', `/v1/teams/${t.teamId}/invitations`);
    expect(invitations.json.invitations.filter((i: { email: string }) => i.email === 'new@example.com')).toEqual([]);
  });

  it('an admin cannot touch owners: not demote, remove or make one, nor invite one', async () => {
    const t = await teamWithRoles(app);
    const before = await rolesOf(app, t.teamId, t.owner);
    const answers = await Promise.all([
      as(app, t.admin, 'PATCH', `/v1/teams/${t.teamId}/members/${t.owner.uid}`, { role: 'developer' }),
      as(app, t.admin, 'DELETE', `/v1/teams/${t.teamId}/members/${t.owner.uid}`),
      as(app, t.admin, 'PATCH', `/v1/teams/${t.teamId}/members/${t.developer.uid}`, { role: 'owner' }),
      as(app, t.admin, 'PATCH', `/v1/teams/${t.teamId}/members/${t.admin.uid}`, { role: 'owner' }),
      as(app, t.admin, 'POST', `/v1/teams/${t.teamId}/invitations`, { email: 'boss@example.com', role: 'owner' }),
      as(app, t.admin, 'DELETE', `/v1/teams/${t.teamId}`),
    ]);
    expect(answers.map((r) => [r.status, r.json])).toEqual(answers.map(() => [403, error('forbidden')]));
    expect(await rolesOf(app, t.teamId, t.owner)).toEqual(before);
    // What an admin may do: members below owner.
    const demote = await as(app, t.admin, 'PATCH', `/v1/teams/${t.teamId}/members/${t.developer.uid}`, { role: 'auditor' });
    expect([demote.status, demote.json.role]).toEqual([200, 'auditor']);
  });

  it('refuses bad input with the contract error and changes nothing', async () => {
    const t = await teamWithRoles(app);
    const before = await rolesOf(app, t.teamId, t.owner);
    const answers = await Promise.all([
      as(app, t.owner, 'PATCH', `/v1/teams/${t.teamId}/members/${t.developer.uid}`, { role: 'boss' }),
      as(app, t.owner, 'PATCH', `/v1/teams/${t.teamId}/members/${t.developer.uid}`, { role: 'admin', extra: 1 }),
      as(app, t.owner, 'POST', '/v1/teams', { name: '' }),
      as(app, t.owner, 'PATCH', `/v1/teams/${t.teamId}`, { revokeKeysOnLeave: 'yes' }),
    ]);
    expect(answers.map((r) => [r.status, r.json.error.code])).toEqual(answers.map(() => [400, 'invalid_request']));
    expect(await rolesOf(app, t.teamId, t.owner)).toEqual(before);
  });
});
