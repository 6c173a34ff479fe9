// Another team's team, members, invitations, keys, usage, audit and limits are 404 to anyone who is
// not a member (never 403: whether a team exists is not told), and nothing changes.
import { as, appWithAudit, fetchAt, teamWithRoles, type App } from './support';

let app: App;
beforeAll(async () => {
  app = await appWithAudit();
}, 60_000);
afterAll(() => app.close());

const me = (headers: Record<string, string>) => fetchAt(`${app.url}/v1/me`, { headers });

describe('another team', () => {
  it('another team’s team, members and keys are 404 to non-members, whatever they ask', async () => {
    const t = await teamWithRoles(app);
    const key = await as(app, t.developer, 'POST', '/v1/keys', { name: 'k', team: t.teamId });
    const stranger = t.stranger;
    const answers = await Promise.all([
      as(app, stranger, 'GET', `/v1/teams/${t.teamId}`),
      as(app, stranger, 'PATCH', `/v1/teams/${t.teamId}`, { name: 'x' }),
      as(app, stranger, 'DELETE', `/v1/teams/${t.teamId}`),
      as(app, stranger, 'GET', `/v1/teams/${t.teamId}/members`),
      as(app, stranger, 'PATCH', `/v1/teams/${t.teamId}/members/${t.developer.uid}`, { role: 'admin' }),
      as(app, stranger, 'DELETE', `/v1/teams/${t.teamId}/members/${t.developer.uid}`),
      as(app, stranger, 'GET', `/v1/teams/${t.teamId}/invitations`),
      as(app, stranger, 'POST', `/v1/teams/${t.teamId}/invitations`, { email: stranger.email, role: 'owner' }),
      as(app, stranger, 'GET', `/v1/keys?team=${t.teamId}`),
      as(app, stranger, 'POST', '/v1/keys', { name: 'in', team: t.teamId }),
      as(app, stranger, 'GET', `/v1/keys/${key.json.id}`),
      as(app, stranger, 'PATCH', `/v1/keys/${key.json.id}`, { name: 'x' }),
      as(app, stranger, 'DELETE', `/v1/keys/${key.json.id}`),
      as(app, stranger, 'GET', `/v1/usage?team=${t.teamId}`),
      as(app, stranger, 'GET', `/v1/audit?team=${t.teamId}`),
      as(app, stranger, 'GET', `/v1/teams/${t.teamId}/limits`),
    ]);
    expect(answers.map((r) => [r.status, r.json.error.code])).toEqual(answers.map(() => [404, 'not_found']));
    const still = await me({ 'x-api-key': key.json.key });
    expect(still.status).toBe(200);
  });

});
