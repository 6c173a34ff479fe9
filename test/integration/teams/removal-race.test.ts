// A developer who keeps creating team keys while being removed from a team that revokes a
// leaver's keys (revokeKeysOnLeave) must not come away with a working key: a create whose
// membership check came before the removal, and whose key was written after the removal listed the
// leaver's keys, would otherwise outlive it with its secret in the leaver's hands.
import { as, appWithAudit, createTeam, error, fetchAt, join, verifiedUser, type App } from './support';

let app: App;
beforeAll(async () => {
  app = await appWithAudit();
}, 60_000);
afterAll(() => app.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('team keys created while their creator is removed', () => {
  it('with revokeKeysOnLeave, every key a create answered during the removal is revoked; the others are 404', async () => {
    const [owner, leaver] = await Promise.all([verifiedUser(), verifiedUser()]);
    const teamId = await createTeam(app, owner);
    await join(app, teamId, owner, leaver, 'developer');
    const set = await as(app, owner, 'PATCH', `/v1/teams/${teamId}`, { revokeKeysOnLeave: true });
    expect([set.status, set.json.revokeKeysOnLeave]).toEqual([200, true]);

    // Creates started every 10 ms, the removal among them: several are in flight when it commits.
    const first = await as(app, leaver, 'POST', '/v1/keys', { name: 'ci', team: teamId });
    expect(first.status).toBe(201);
    const creates: Promise<Awaited<ReturnType<typeof as>>>[] = [Promise.resolve(first)];
    let removal: ReturnType<typeof as> | undefined;
    for (let i = 0; i < 20; i++) {
      if (i === 8) removal = as(app, owner, 'DELETE', `/v1/teams/${teamId}/members/${leaver.uid}`);
      creates.push(as(app, leaver, 'POST', '/v1/keys', { name: `ci ${i}`, team: teamId }));
      await sleep(10);
    }
    const removed = await removal!;
    const answers = await Promise.all(creates);
    expect(removed.status).toBe(200);
    const made = answers.filter((r) => r.status === 201);
    const refused = answers.filter((r) => r.status !== 201);
    expect(refused.map((r) => [r.status, r.json])).toEqual(refused.map(() => [404, error('not_found')]));

    // Every key the leaver was handed is refused, and the team holds no live key of theirs.
    const uses = await Promise.all(made.map((r) => fetchAt(`${app.url}/v1/me`, { headers: { 'x-api-key': r.json.key } })));
    expect(uses.map((u) => [u.status, u.json.error?.code])).toEqual(uses.map(() => [401, 'revoked_credential']));
    const listed = await as(app, owner, 'GET', `/v1/keys?team=${teamId}`);
    expect(listed.json.keys.filter((k: { status: string }) => k.status !== 'revoked').map((k: { id: string }) => k.id)).toEqual([]);
    // Each key handed out is among them (a create refused as it landed leaves its key revoked too).
    const listedIds = new Set(listed.json.keys.map((k: { id: string }) => k.id));
    expect(made.filter((r) => !listedIds.has(r.json.id)).map((r) => r.json.id)).toEqual([]);
  });
});
