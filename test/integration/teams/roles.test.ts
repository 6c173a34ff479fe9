// Roles and the last owner: the creator owns the team, members see it with their role, and the
// last owner can neither leave nor be demoted (409, nothing changed). Bad input changes nothing.
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


  it('two owners demoting each other at once cannot leave the team without an owner: one wins, the other is 409', async () => {
    const t = await teamWithRoles(app);
    const promoted = await as(app, t.owner, 'PATCH', `/v1/teams/${t.teamId}/members/${t.admin.uid}`, { role: 'owner' });
    expect(promoted.status).toBe(200);
    const [a, b] = await Promise.all([
      as(app, t.owner, 'PATCH', `/v1/teams/${t.teamId}/members/${t.admin.uid}`, { role: 'developer' }),
      as(app, t.admin, 'PATCH', `/v1/teams/${t.teamId}/members/${t.owner.uid}`, { role: 'developer' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const roles = await rolesOf(app, t.teamId, t.auditor);
    expect(Object.values(roles).filter((r) => r === 'owner')).toEqual(['owner']);
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
