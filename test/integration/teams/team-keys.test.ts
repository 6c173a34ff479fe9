// Team keys: owned by the team (createdBy recorded), acting with the team's grants narrowed by
// their scopes and never with the creator's own claims; /v1/me names the team, access tokens carry
// `sub: team:<id>`; who manages which key; the cap per team.
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
    // Usage per team: every member reads it, for all the team's keys.
    const usage = await as(app, developer, 'GET', `/v1/usage?team=${teamId}`);
    expect([usage.status, usage.json.uid, usage.json.keys.map((k: { keyId: string }) => k.keyId).includes(created.json.id)]).toEqual([200, `team:${teamId}`, true]);
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
    // Team limits, shared by all its keys: set by owners and admins, enforced on every key of the team.
    const byDeveloper = await as(app, t.developer, 'PATCH', `/v1/teams/${t.teamId}/limits`, { limits: { requestsPerMinute: 2 } });
    const byAdmin = await as(app, t.admin, 'PATCH', `/v1/teams/${t.teamId}/limits`, { limits: { requestsPerMinute: 2 } });
    expect([byDeveloper.status, byAdmin.status, byAdmin.json.limits]).toEqual([403, 200, { requestsPerMinute: 2 }]);
    const calls = [];
    for (const k of [mine.json.key, third.json.key, mine.json.key]) calls.push((await fetchAt(`${app.url}/v1/me`, { headers: { 'x-api-key': k } })).status);
    expect(calls).toEqual([200, 200, 429]);
  });

});
