// A team holds permissions, never roles: `auditor` or `admin` among its grants would make every
// team key an auditor or admin (roles and permissions are one set to the claim guard), e.g. one
// that reads everyone's audit trail. The grants endpoint refuses them, as the CLI does, and a
// team document that holds one anyway (written before, or by hand) gives its keys none.
import { adminDb } from '../../harness/admin';
import { as, appWithAudit, createTeam, error, fetchAt, verifiedUser, type App } from './support';

let app: App;
beforeAll(async () => {
  app = await appWithAudit();
}, 60_000);
afterAll(() => app.close());

describe('team grants', () => {
  it('refuses the roles admin and auditor as grants; a stored one gives the team keys nothing', async () => {
    const [owner, projectAdmin] = await Promise.all([verifiedUser(), verifiedUser({ admin: true })]);
    const teamId = await createTeam(app, owner);
    const granted = await as(app, projectAdmin, 'PUT', `/v1/teams/${teamId}/grants`, { permissions: ['reports:read'] });
    expect([granted.status, granted.json.grants]).toEqual([200, ['reports:read']]);
    for (const role of ['auditor', 'admin']) {
      const refused = await as(app, projectAdmin, 'PUT', `/v1/teams/${teamId}/grants`, { permissions: ['reports:read', role] });
      expect([refused.status, refused.json.error.code, refused.json.error.field]).toEqual([400, 'invalid_request', '/permissions']);
    }
    // Read from Firestore: a GET here would warm this instance's copy of the team before the write below.
    expect((await adminDb().collection('teams').doc(teamId).get()).data()!.grants).toEqual(['reports:read']);

    // A role in the stored grants, as a team document from before would hold it.
    await adminDb().collection('teams').doc(teamId).update({ grants: ['auditor', 'reports:read'] });
    const key = await as(app, owner, 'POST', '/v1/keys', { name: 'ci', team: teamId });
    expect(key.status).toBe(201);
    const me = await fetchAt(`${app.url}/v1/me`, { headers: { 'x-api-key': key.json.key } });
    expect([me.status, me.json.claims]).toEqual([200, { permissions: ['reports:read'] }]);
    // Not an auditor: another user's trail is not the team key's to read.
    const trail = await fetchAt(`${app.url}/v1/audit?uid=${owner.uid}`, { headers: { 'x-api-key': key.json.key } });
    expect([trail.status, trail.json]).toEqual([403, error('forbidden')]);
  });
});
