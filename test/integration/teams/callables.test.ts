// The console's callables take `team` as the REST API does (POST /v1/keys {team}, GET /v1/keys?team=,
// /v1/usage?team=, /v1/audit?team=) and follow the same role rules: called through the test stack's
// Hosting (`/v1/rpc/<name>`, the Functions emulator) with a member's ID token. The team and its
// members are made by an app in this process on the same emulators, as people join.
import { api, type ApiResponse, type TestUser } from '../../harness/auth';
import { eventually } from '../../harness/eventually';
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import { bearer, jsonHeaders } from '../../harness/keys';
import { as, createTeam, join, verifiedUser } from './support';

let app: InProcessApp;
beforeAll(async () => {
  app = await startInProcessApp();
}, 60_000);
afterAll(() => app.close());

const rpc = (user: TestUser, name: string, data: unknown): Promise<ApiResponse> =>
  api(`/v1/rpc/${name}`, { method: 'POST', headers: jsonHeaders(user.idToken), body: JSON.stringify({ data }) });
/** A refused call: its HTTP status, the callable status and the contract's code. */
const refusal = (res: ApiResponse) => [res.status, res.json?.error?.status, res.json?.error?.details?.code, res.json?.result];
const NOT_FOUND = [404, 'NOT_FOUND', 'not_found', undefined];
const rest = (user: TestUser, path: string) => api(path, { headers: bearer(user.idToken) });
const ids = (keys: Array<{ id: string }>) => keys.map((k) => k.id).sort();

describe('team keys, usage and audit through the callables', () => {
  jest.setTimeout(90_000);

  it('a developer creates and lists a team key; members read its usage; auditors its trail; non-members find nothing', async () => {
    const [owner, developer, auditor, stranger, projectAdmin] = await Promise.all([
      verifiedUser(),
      verifiedUser({ permissions: ['billing:write'] }),
      verifiedUser(),
      verifiedUser({ permissions: ['reports:read'] }),
      verifiedUser({ admin: true }),
    ]);
    const teamId = await createTeam(app, owner, 'Callables');
    await join(app, teamId, owner, developer, 'developer');
    await join(app, teamId, owner, auditor, 'auditor');
    expect((await as(app, projectAdmin, 'PUT', `/v1/teams/${teamId}/grants`, { permissions: ['reports:read', 'reports:write'] })).status).toBe(200);

    // Created through createApiKey: the team's, recorded as the developer's, within the team's grants only.
    const beyond = await rpc(developer, 'createApiKey', { name: 'billing', team: teamId, scopes: ['billing:write'] });
    expect(refusal(beyond)).toEqual([403, 'PERMISSION_DENIED', 'insufficient_scope', undefined]);
    const created = await rpc(developer, 'createApiKey', { name: 'ci', team: teamId, scopes: ['reports:read'] });
    expect(created.status).toBe(200);
    const key = created.json.result;
    expect([key.team, key.createdBy, key.scopes, key.name]).toEqual([teamId, developer.uid, ['reports:read'], 'ci']);
    const me = await api('/v1/me', { headers: { 'x-api-key': key.key } });
    expect([me.status, me.json.uid, me.json.claims, me.json.team]).toEqual([200, `team:${teamId}`, { permissions: ['reports:read'] }, { id: teamId, name: 'Callables' }]);

    // listApiKeys with team: the team's keys, as GET /v1/keys?team= has them; without: the developer's own (none).
    const listed = await rpc(developer, 'listApiKeys', { team: teamId });
    expect([listed.status, ids(listed.json.result.keys)]).toEqual([200, [key.id]]);
    expect(JSON.stringify(listed.json)).not.toContain(key.key);
    expect(ids((await rest(developer, `/v1/keys?team=${teamId}`)).json.keys)).toEqual([key.id]);
    expect(ids((await rpc(auditor, 'listApiKeys', { team: teamId })).json.result.keys)).toEqual([key.id]);
    expect((await rpc(developer, 'listApiKeys', {})).json.result.keys).toEqual([]);
    // A team that is not a string is refused, never read as "no team".
    for (const team of [42, null, ['x'], { id: teamId }]) {
      expect(refusal(await rpc(developer, 'listApiKeys', { team }))).toEqual([400, 'INVALID_ARGUMENT', 'invalid_request', undefined]);
    }

    // getUsage with team: the team's usage (owner `team:<id>`), every request the key made counted.
    let sent = 1; // the /v1/me above
    for (let i = 0; i < 3; i++, sent++) expect((await api('/v1/me', { headers: { 'x-api-key': key.key } })).status).toBe(200);
    const usage = await eventually(
      () => rpc(developer, 'getUsage', { team: teamId }),
      (r) => r.status === 200 && r.json.result.totals.requests === sent,
      { timeoutMs: 15_000, everyMs: 250 },
    );
    expect([usage.status, usage.json.result.uid, usage.json.result.keyId, usage.json.result.totals, usage.json.result.keys]).toEqual([
      200,
      `team:${teamId}`,
      null,
      { requests: sent, failures: 0 },
      [{ keyId: key.id, requests: sent, failures: 0 }],
    ]);
    const oneKey = await rpc(auditor, 'getUsage', { team: teamId, keyId: key.id });
    expect([oneKey.status, oneKey.json.result.keyId, oneKey.json.result.totals]).toEqual([200, key.id, { requests: sent, failures: 0 }]);
    expect((await rest(developer, `/v1/usage?team=${teamId}`)).json.totals).toEqual({ requests: sent, failures: 0 });

    // queryAuditLog with team: the team's trail for its auditor, the key's creation named by its callable.
    const trail = await eventually(
      () => rpc(auditor, 'queryAuditLog', { team: teamId, keyId: key.id, kind: 'changes', pageSize: 100 }),
      (r) => r.status === 200 && r.json.result.entries.some((e: { event: string }) => e.event === 'key.create'),
      { timeoutMs: 15_000, everyMs: 300 },
    );
    const entries = trail.json.result.entries as Array<{ event: string; actor: { uid?: string }; target: { team?: string; keyId?: string }; request: { path?: string } }>;
    expect(entries.every((e) => e.target.team === teamId)).toBe(true);
    expect(entries.filter((e) => e.event === 'key.create').map((e) => [e.actor.uid, e.target.keyId, e.request.path])).toEqual([[developer.uid, key.id, 'createApiKey']]);
    // A developer is refused the team's trail (403), as on GET /v1/audit?team=.
    expect(refusal(await rpc(developer, 'queryAuditLog', { team: teamId }))).toEqual([403, 'PERMISSION_DENIED', 'forbidden', undefined]);
    expect((await rest(developer, `/v1/audit?team=${teamId}`)).status).toBe(403);

    // A non-member: the team does not exist for them, whatever they call, and nothing changes.
    const answers = await Promise.all([
      rpc(stranger, 'createApiKey', { name: 'intruder', team: teamId, scopes: ['reports:read'] }),
      rpc(stranger, 'listApiKeys', { team: teamId }),
      rpc(stranger, 'getUsage', { team: teamId }),
      rpc(stranger, 'getUsage', { team: teamId, keyId: key.id }),
      rpc(stranger, 'queryAuditLog', { team: teamId }),
      rpc(stranger, 'queryAuditLog', { team: teamId, keyId: key.id }),
      rpc(stranger, 'revokeApiKey', { id: key.id }),
    ]);
    expect(answers.map(refusal)).toEqual(answers.map(() => NOT_FOUND));
    const after = await rpc(developer, 'listApiKeys', { team: teamId });
    expect([ids(after.json.result.keys), after.json.result.keys[0].status]).toEqual([[key.id], 'active']);
    expect((await rpc(stranger, 'listApiKeys', {})).json.result.keys).toEqual([]);
  });
});
