// Deleting a team revokes all its keys (at once, each audited) and the team is gone for everyone.
import { as, appWithAudit, fetchAt, teamWithRoles, type App } from './support';

let app: App;
beforeAll(async () => {
  app = await appWithAudit();
}, 60_000);
afterAll(() => app.close());

const me = (headers: Record<string, string>) => fetchAt(`${app.url}/v1/me`, { headers });

describe('deleting a team', () => {
  it('deleting a team revokes all its keys and the team is gone for everyone', async () => {
    const t = await teamWithRoles(app);
    const a = await as(app, t.developer, 'POST', '/v1/keys', { name: 'a', team: t.teamId });
    const b = await as(app, t.admin, 'POST', '/v1/keys', { name: 'b', team: t.teamId });
    const deleted = await as(app, t.owner, 'DELETE', `/v1/teams/${t.teamId}`);
    expect([deleted.status, deleted.json.revokedKeys.sort()]).toEqual([200, [a.json.id, b.json.id].sort()]);
    const [ra, rb] = await Promise.all([me({ 'x-api-key': a.json.key }), me({ 'x-api-key': b.json.key })]);
    expect([ra.status, ra.json.error.code, rb.status, rb.json.error.code]).toEqual([401, 'revoked_credential', 401, 'revoked_credential']);
    const revocations = app.events.filter((e) => e.event === 'key.revoke' && e.target?.team === t.teamId).map((e) => [e.target?.keyId, e.reason]);
    expect(revocations.sort()).toEqual([[a.json.id, 'team deleted'], [b.json.id, 'team deleted']].sort());
    expect(app.events.filter((e) => e.event === 'team.delete' && e.target?.team === t.teamId).map((e) => e.reason)).toEqual(['revoked 2 keys']);
    const gone = await as(app, t.owner, 'GET', `/v1/teams/${t.teamId}`);
    const mine = await as(app, t.developer, 'GET', '/v1/teams');
    expect([gone.status, mine.json.teams]).toEqual([404, []]);
  });
});
