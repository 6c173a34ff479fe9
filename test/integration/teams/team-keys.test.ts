// Team keys: owned by the team (createdBy recorded), acting with the team's grants narrowed by
// their scopes and never with the creator's own claims; /v1/me names the team, access tokens carry
// `sub: team:<id>`; who manages which key; the cap per team; deleting the team revokes its keys.
import { decodeJwt } from 'jose';
import { issueToken } from '../tokens/support';
import { as, appWithAudit, createTeam, error, fetchAt, join, teamWithRoles, verifiedUser, type App } from './support';

let app: App;
let projectAdmin: Awaited<ReturnType<typeof verifiedUser>>;
beforeAll(async () => {
  app = await appWithAudit({ KEYWARD_TEAM_KEY_CAP: '3' });
  projectAdmin = await verifiedUser({ admin: true });
}, 60_000);
afterAll(() => app.close());

const me = (headers: Record<string, string>) => fetchAt(`${app.url}/v1/me`, { headers });

describe('team keys', () => {
  it('act with the team grants narrowed by their scopes, never the creator’s claims; /v1/me names the team; tokens have sub team:<id>', async () => {
    const owner = await verifiedUser();
    const developer = await verifiedUser({ permissions: ['reports:read', 'billing:write'] });
    const teamId = await createTeam(app, owner, 'Payments');
    await join(app, teamId, owner, developer, 'developer');
    // Only a project admin sets the grants.
    const byOwner = await as(app, owner, 'PUT', `/v1/teams/${teamId}/grants`, { permissions: ['reports:read'] });
    expect([byOwner.status, byOwner.json]).toEqual([403, error('forbidden')]);
    const granted = await as(app, projectAdmin, 'PUT', `/v1/teams/${teamId}/grants`, { permissions: ['reports:read', 'reports:write'] });
    expect([granted.status, granted.json.grants]).toEqual([200, ['reports:read', 'reports:write']]);

    const beyond = await as(app, developer, 'POST', '/v1/keys', { name: 'billing', team: teamId, scopes: ['billing:write'] });
    expect([beyond.status, beyond.json.error.code]).toEqual([403, 'insufficient_scope']);
    const created = await as(app, developer, 'POST', '/v1/keys', { name: 'ci', team: teamId, scopes: ['reports:read'] });
    expect([created.status, created.json.team, created.json.createdBy, created.json.scopes]).toEqual([201, teamId, developer.uid, ['reports:read']]);
    const whole = await as(app, developer, 'POST', '/v1/keys', { name: 'all grants', team: teamId });
    expect(whole.status).toBe(201);

    const scoped = await me({ 'x-api-key': created.json.key });
    expect([scoped.status, scoped.json.uid, scoped.json.claims, scoped.json.team]).toEqual([200, `team:${teamId}`, { permissions: ['reports:read'] }, { id: teamId, name: 'Payments' }]);
    const all = await me({ 'x-api-key': whole.json.key });
    expect([all.json.uid, all.json.claims]).toEqual([`team:${teamId}`, { permissions: ['reports:read', 'reports:write'] }]);

    const token = await issueToken(created.json.key, {}, app.url);
    expect(decodeJwt(token).sub).toBe(`team:${teamId}`);
    const viaToken = await me({ authorization: `Bearer ${token}` });
    expect([viaToken.status, viaToken.json.uid, viaToken.json.team]).toEqual([200, `team:${teamId}`, { id: teamId, name: 'Payments' }]);
    const oauth = await fetchAt(`${app.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${created.json.id}:${created.json.key.split('_').pop()}`).toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    expect([oauth.status, decodeJwt(oauth.json.access_token).sub]).toEqual([200, `team:${teamId}`]);

    // Grants taken away by a project admin: the team's keys lose them (within the bound).
    await as(app, projectAdmin, 'PUT', `/v1/teams/${teamId}/grants`, { permissions: [] });
    const deadline = Date.now() + 5000;
    let after = await me({ 'x-api-key': whole.json.key });
    while (JSON.stringify(after.json.claims) !== JSON.stringify({ permissions: [] }) && Date.now() < deadline) after = await me({ 'x-api-key': whole.json.key });
    expect(after.json.claims).toEqual({ permissions: [] });

    // The team's keys are listed for its members, not among the creator's own.
    const listed = await as(app, owner, 'GET', `/v1/keys?team=${teamId}`);
    expect(listed.json.keys.map((k: { id: string }) => k.id).sort()).toEqual([created.json.id, whole.json.id].sort());
    const personal = await as(app, developer, 'GET', '/v1/keys');
    expect(personal.json.keys).toEqual([]);
    expect(app.events.filter((e) => e.event === 'key.create' && e.target?.keyId === created.json.id).map((e) => e.target)).toEqual([{ uid: `team:${teamId}`, keyId: created.json.id, team: teamId }]);
  });

  it('owners and admins manage any team key, developers their own, auditors none; the cap per team holds', async () => {
    const t = await teamWithRoles(app);
    const other = await verifiedUser();
    await join(app, t.teamId, t.owner, other, 'developer');
    const mine = await as(app, t.developer, 'POST', '/v1/keys', { name: 'mine', team: t.teamId });
    const theirs = await as(app, other, 'POST', '/v1/keys', { name: 'theirs', team: t.teamId });
    const byAuditor = await as(app, t.auditor, 'POST', '/v1/keys', { name: 'audit', team: t.teamId });
    expect([mine.status, theirs.status, byAuditor.status, byAuditor.json]).toEqual([201, 201, 403, error('forbidden')]);
    const answers = await Promise.all([
      as(app, t.developer, 'PATCH', `/v1/keys/${theirs.json.id}`, { name: 'taken' }),
      as(app, t.developer, 'DELETE', `/v1/keys/${theirs.json.id}`),
      as(app, t.auditor, 'DELETE', `/v1/keys/${mine.json.id}`),
      as(app, t.auditor, 'POST', `/v1/keys/${mine.json.id}/regenerate`, {}),
    ]);
    expect(answers.map((r) => [r.status, r.json])).toEqual(answers.map(() => [403, error('forbidden')]));
    const read = await as(app, t.auditor, 'GET', `/v1/keys/${mine.json.id}`);
    expect([read.status, read.json.name]).toEqual([200, 'mine']);
    const renamed = await as(app, t.developer, 'PATCH', `/v1/keys/${mine.json.id}`, { name: 'still mine' });
    const regenerated = await as(app, t.admin, 'POST', `/v1/keys/${theirs.json.id}/regenerate`, {});
    expect([renamed.status, regenerated.status, typeof regenerated.json.key]).toEqual([200, 200, 'string']);
    // The cap (3 here): one more fits, the next is 409.
    const third = await as(app, t.owner, 'POST', '/v1/keys', { name: 'third', team: t.teamId });
    const fourth = await as(app, t.owner, 'POST', '/v1/keys', { name: 'fourth', team: t.teamId });
    expect([third.status, fourth.status, fourth.json]).toEqual([201, 409, error('conflict')]);
  });

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

  it('deleting a team revokes all its keys and the team is gone for everyone', async () => {
    const t = await teamWithRoles(app);
    const a = await as(app, t.developer, 'POST', '/v1/keys', { name: 'a', team: t.teamId });
    const b = await as(app, t.admin, 'POST', '/v1/keys', { name: 'b', team: t.teamId });
    const deleted = await as(app, t.owner, 'DELETE', `/v1/teams/${t.teamId}`);
    expect([deleted.status, deleted.json.revokedKeys.sort()]).toEqual([200, [a.json.id, b.json.id].sort()]);
    const [ra, rb] = await Promise.all([me({ 'x-api-key': a.json.key }), me({ 'x-api-key': b.json.key })]);
    expect([ra.status, ra.json.error.code, rb.status, rb.json.error.code]).toEqual([401, 'revoked_credential', 401, 'revoked_credential']);
    const gone = await as(app, t.owner, 'GET', `/v1/teams/${t.teamId}`);
    const mine = await as(app, t.developer, 'GET', '/v1/teams');
    expect([gone.status, mine.json.teams]).toEqual([404, []]);
  });
});
