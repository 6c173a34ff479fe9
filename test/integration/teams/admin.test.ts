// An admin cannot touch owners: not demote, remove or make one, nor invite one, nor delete the team;
// members below owner are theirs.
import { as, appWithAudit, error, rolesOf, teamWithRoles, type App } from './support';

let app: App;
beforeAll(async () => {
  app = await appWithAudit();
}, 60_000);
afterAll(() => app.close());

describe('admins', () => {
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

});
