// A person whose uid is `team:<id>` (a custom token may choose any uid) is not that team: team
// keys, limits and usage are owned by the principal `team:<id>`, so such a person would read and
// manage them as their own. Their ID token is refused, and the team is unchanged.
import { adminAuth } from '../../harness/admin';
import { signIn } from '../../harness/auth';
import { randomBytes } from 'node:crypto';
import { as, appWithAudit, createTeam, error, fetchAt, verifiedUser, type App } from './support';

let app: App;
beforeAll(async () => {
  app = await appWithAudit();
}, 60_000);
afterAll(() => app.close());

describe('uids that name a team', () => {
  it('an ID token whose uid is team:<id> is refused; the team keys and limits stay the team’s', async () => {
    const owner = await verifiedUser();
    const teamId = await createTeam(app, owner, 'Payments');
    const key = await as(app, owner, 'POST', '/v1/keys', { name: 'ci', team: teamId });
    expect(key.status).toBe(201);
    const email = `impostor-${randomBytes(6).toString('hex')}@example.com`;
    const password = `pw-${randomBytes(9).toString('base64url')}`;
    await adminAuth().createUser({ uid: `team:${teamId}`, email, password, emailVerified: true });
    const impostor = await signIn(email, password);
    expect(impostor.uid).toBe(`team:${teamId}`);

    const keysBefore = await as(app, owner, 'GET', `/v1/keys?team=${teamId}`);
    const limitsBefore = await as(app, owner, 'GET', `/v1/teams/${teamId}/limits`);
    const answers = [
      await as(app, impostor, 'GET', '/v1/keys'),
      await as(app, impostor, 'GET', '/v1/me'),
      await as(app, impostor, 'PATCH', '/v1/me/limits', { limits: { requestsPerMinute: 1 } }),
      await as(app, impostor, 'POST', '/v1/keys', { name: 'mine' }),
      await as(app, impostor, 'DELETE', `/v1/keys/${key.json.id}`),
    ];
    expect(answers.map((r) => [r.status, r.json])).toEqual(answers.map(() => [401, error('invalid_credential')]));

    const keysAfter = await as(app, owner, 'GET', `/v1/keys?team=${teamId}`);
    expect([keysAfter.status, keysAfter.json.keys.map((k: { id: string; status: string }) => [k.id, k.status])]).toEqual([200, [[key.json.id, 'active']]]);
    expect(keysAfter.json.keys.length).toBe(keysBefore.json.keys.length);
    const limitsAfter = await as(app, owner, 'GET', `/v1/teams/${teamId}/limits`);
    expect([limitsAfter.status, limitsAfter.json]).toEqual([200, limitsBefore.json]);
    const me = await fetchAt(`${app.url}/v1/me`, { headers: { 'x-api-key': key.json.key } });
    expect([me.status, me.json.uid]).toEqual([200, `team:${teamId}`]);
  });
});
