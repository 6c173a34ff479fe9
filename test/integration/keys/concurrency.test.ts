// Changes to one key that race (a double click, two consoles, a script in a loop): every write is
// conditional on the record's revision, so one change wins, the others change nothing and get
// 409 `conflict`, no secret is handed out that does not work, and a revocation always lands.
// Through Hosting and the Functions emulator, whose concurrent requests run in separate workers.
import { api, createUser, type TestUser } from '../../harness/auth';
import { createKey, jsonHeaders, bearer, type CreatedKey } from '../../harness/keys';
import { adminDb } from '../../harness/admin';
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import { fetchJson } from '../tokens/support';
import { eventually } from '../../harness/eventually';

const me = (key: string) => api('/v1/me', { headers: { 'x-api-key': key } });
const regenerate = (user: TestUser, id: string, gracePeriod: number) =>
  api(`/v1/keys/${id}/regenerate`, { method: 'POST', headers: jsonHeaders(user.idToken), body: JSON.stringify({ gracePeriod }) });
const patch = (user: TestUser, id: string, body: Record<string, unknown>) =>
  api(`/v1/keys/${id}`, { method: 'PATCH', headers: jsonHeaders(user.idToken), body: JSON.stringify(body) });
const conflict = { error: { code: 'conflict', message: expect.stringMatching(/changed by another request/) } };

const raceLost = { error: { code: 'conflict', message: expect.stringMatching(/changed by another request|earlier secrets in their grace periods/) } };

/**
 * 10 regenerations of one key at once, with a grace period: whichever win, every key handed out
 * works, the original keeps its grace period, and each loser got 409 and no secret.
 */
async function regenerateTenAtOnce(send: (gracePeriod: number) => Promise<{ status: number; json: any }>, key: CreatedKey, works: (key: string) => Promise<boolean>) {
  const answers = await Promise.all(Array.from({ length: 10 }, () => send(300)));
  const won = answers.filter((a) => a.status === 200).map((a) => a.json as CreatedKey);
  const lost = answers.filter((a) => a.status !== 200);
  expect(won.length).toBeGreaterThanOrEqual(1);
  expect(lost.map((a) => [a.status, a.json])).toEqual(lost.map(() => [409, raceLost]));
  for (const answer of lost) expect(answer.json).not.toHaveProperty('key');
  expect(new Set(won.map((w) => w.key)).size).toBe(won.length);
  // Every key handed out works (on an instance that cached the record before a later regeneration,
  // within the cache bound: RECHECK_AFTER_MS, credentials/key-credential.ts).
  for (const winner of [...won.map((w) => w.key), key.key]) expect([winner.slice(0, 24), await eventually(() => works(winner))]).toEqual([winner.slice(0, 24), true]);
  const record = (await adminDb().collection('apiKeys').doc(key.id).get()).data()!;
  // One revision per winner: no write overwrote another.
  expect([record.revision, record.secrets.length]).toEqual([won.length, won.length + 1]);
  return { won, lost };
}

describe('concurrent changes to one key', () => {
  let user: TestUser;
  let app: InProcessApp;
  beforeAll(async () => {
    [user, app] = await Promise.all([createUser(), startInProcessApp()]);
  });
  afterAll(() => app?.close());

  it('10 regenerations at once through Hosting: every key handed out works, the grace period holds', async () => {
    const key = await createKey(user, { name: 'double click' });
    await regenerateTenAtOnce((grace) => regenerate(user, key.id, grace), key, async (k) => (await me(k)).status === 200);
  });

  it('10 regenerations racing on one instance: the losers of the conditional write get 409 and no secret', async () => {
    const key = await createKey(user, { name: 'race' });
    const send = (gracePeriod: number) =>
      fetchJson(`${app.url}/v1/keys/${key.id}/regenerate`, { method: 'POST', headers: jsonHeaders(user.idToken), body: JSON.stringify({ gracePeriod }) });
    const { lost } = await regenerateTenAtOnce(send, key, async (k) => (await fetchJson(`${app.url}/v1/me`, { headers: { 'x-api-key': k } })).status === 200);
    // Requests that read the same revision really raced here (one process, no cold workers).
    expect(lost.filter((a) => /changed by another request/.test(a.json.error.message)).length).toBeGreaterThanOrEqual(1);
  });

  it('PATCHes racing on one instance: the losers change nothing and get 409', async () => {
    const key = await createKey(user, { name: 'before' });
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => fetchJson(`${app.url}/v1/keys/${key.id}`, { method: 'PATCH', headers: jsonHeaders(user.idToken), body: JSON.stringify({ name: `after ${i}` }) })),
    );
    const won = answers.filter((a) => a.status === 200);
    const lost = answers.filter((a) => a.status !== 200);
    expect(lost.map((a) => [a.status, a.json])).toEqual(lost.map(() => [409, conflict]));
    expect(lost.length).toBeGreaterThanOrEqual(1);
    const record = (await adminDb().collection('apiKeys').doc(key.id).get()).data()!;
    expect(record.revision).toBe(won.length);
    // The name read back is the one of the last winner, and a winner's answer showed what it wrote.
    expect(won.map((a) => a.json.name)).toContain(record.name);
  });

  it('a revocation racing regenerations and a pause always lands, and nothing undoes it', async () => {
    const key = await createKey(user, { name: 'revoke me' });
    const revoke = api(`/v1/keys/${key.id}`, { method: 'DELETE', headers: bearer(user.idToken) });
    const others = [regenerate(user, key.id, 60), regenerate(user, key.id, 60), patch(user, key.id, { disabled: true }), patch(user, key.id, { name: 'renamed' })];
    const [revoked, ...rest] = await Promise.all([revoke, ...others]);
    expect([revoked.status, revoked.json.status]).toEqual([200, 'revoked']);
    // Each other change either came first (200) or met the revocation or another change (409).
    for (const answer of rest) expect([answer.status, answer.status === 409 ? answer.json.error.code : 'ok']).toEqual(answer.status === 200 ? [200, 'ok'] : [409, 'conflict']);
    const read = await api(`/v1/keys/${key.id}`, { headers: bearer(user.idToken) });
    expect(read.json.status).toBe('revoked');
    // A secret handed out before the revocation landed is refused: at once where the key was revoked,
    // on the emulator's other workers once the change feed reaches them (the revocation bound).
    for (const regenerated of rest.filter((a) => a.status === 200 && typeof a.json.key === 'string')) {
      const refused = await eventually(() => me(regenerated.json.key), (r) => r.status === 401);
      expect([refused.status, refused.json.error.code]).toEqual([401, 'revoked_credential']);
    }
    // Revoking again is idempotent: the same answer, still revoked.
    const again = await api(`/v1/keys/${key.id}`, { method: 'DELETE', headers: bearer(user.idToken) });
    expect([again.status, again.json.status, again.json.revokedAt]).toEqual([200, 'revoked', revoked.json.revokedAt]);
  });
});
