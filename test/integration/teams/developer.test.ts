// A developer cannot promote themselves or invite anyone (an admin included); an auditor changes
// nothing. Refused with 403, nothing changed.
import { as, appWithAudit, error, rolesOf, teamWithRoles, type App } from './support';

let app: App;
beforeAll(async () => {
  app = await appWithAudit();
}, 60_000);
afterAll(() => app.close());

describe('developers and auditors', () => {
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

});
