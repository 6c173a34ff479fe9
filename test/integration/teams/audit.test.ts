// The team's audit trail (GET /v1/audit?team=): every team event and every key event of a team key
// carries the team id (label team_id) and is read by the team's owners, admins and auditors and by
// project auditors; a developer is refused (403), anyone else does not see the team (404).
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import { eventually } from '../../harness/eventually';
import { as, createTeam, join, verifiedUser } from './support';

let app: InProcessApp;
beforeAll(async () => {
  app = await startInProcessApp(); // the real sink: entries go to the Logging emulator and are read back
}, 60_000);
afterAll(() => app.close());

describe('the team audit trail', () => {
  it('holds the team events and its keys’ events, for the right readers only', async () => {
    const [owner, admin, developer, auditor, stranger, projectAuditor] = await Promise.all([verifiedUser(), verifiedUser(), verifiedUser(), verifiedUser(), verifiedUser(), verifiedUser({ auditor: true })]);
    const teamId = await createTeam(app, owner);
    for (const [user, role] of [[admin, 'admin'], [developer, 'developer'], [auditor, 'auditor']] as const) await join(app, teamId, owner, user, role);
    const key = await as(app, developer, 'POST', '/v1/keys', { name: 'ci', team: teamId });
    await as(app, admin, 'PATCH', `/v1/keys/${key.json.id}`, { name: 'ci 2' });
    await as(app, owner, 'PATCH', `/v1/teams/${teamId}`, { name: 'Acme 2' });
    const expected = ['team.create', 'team.invite', 'team.accept', 'team.member.add', 'key.create', 'key.update', 'team.update'];
    const page = await eventually(
      () => as(app, owner, 'GET', `/v1/audit?team=${teamId}&kind=changes&pageSize=100`),
      (r) => r.status === 200 && expected.every((e) => r.json.entries.some((x: { event: string }) => x.event === e)),
      { timeoutMs: 10_000, everyMs: 300 },
    );
    expect(page.status).toBe(200);
    const entries = page.json.entries as { event: string; target: { team?: string } }[];
    expect(entries.every((e) => e.target.team === teamId)).toBe(true);
    expect(new Set(entries.map((e) => e.event))).toEqual(new Set([...expected]));
    expect(JSON.stringify(entries)).not.toContain('kwi_');

    const readers = await Promise.all([admin, auditor, projectAuditor].map((u) => as(app, u, 'GET', `/v1/audit?team=${teamId}&kind=changes&pageSize=100`)));
    expect(readers.map((r) => [r.status, r.json.entries.length >= expected.length])).toEqual(readers.map(() => [200, true]));
    const [dev, other] = await Promise.all([as(app, developer, 'GET', `/v1/audit?team=${teamId}`), as(app, stranger, 'GET', `/v1/audit?team=${teamId}`)]);
    expect([dev.status, dev.json.error.code, other.status, other.json.error.code]).toEqual([403, 'forbidden', 404, 'not_found']);
  });
});
