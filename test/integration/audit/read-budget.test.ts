// Audit reads within Cloud Logging's quota (entries.list: 60 a minute per project): the per-user
// and project budgets, counted across instances in Firestore, answer 429 `rate_limited` with
// Retry-After when spent; an identical read within a few seconds is answered from the instance's
// memory without spending. Instances built in this process with small budgets, each as its own
// kit instance (config.ts `instanceName`): their counters are then theirs alone, not shared with
// the stack's, whose budgets are set out of reach (test/harness/ports.ts).
import { createUser, type TestUser } from '../../harness/auth';
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import { fetchJson, freshMinute } from '../limits/support';
import { bearer, withRole } from './support';

const apps: InProcessApp[] = [];
afterAll(async () => {
  for (const app of apps) await app.close();
});

/** A kit instance id of this run: its counters are new. */
const fresh = (name: string) => `${name}${Date.now().toString(36)}`;

async function start(instance: string, env: Record<string, string>): Promise<InProcessApp> {
  const app = await startInProcessApp({ FIREBASE_KIT_INSTANCE_ID: instance, ...env });
  apps.push(app);
  return app;
}

const read = (app: InProcessApp, user: TestUser, path = '/v1/audit', query: Record<string, string> = {}) =>
  fetchJson(`${app.url}${path}?${new URLSearchParams(query)}`, { headers: bearer(user.idToken) });

function expectSpent(res: Awaited<ReturnType<typeof read>>, limit: number): void {
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
  expect([res.status, res.json]).toEqual([429, { error: { code: 'rate_limited', message: `Too many audit reads; try again in ${retryAfter} s.` } }]);
  expect([res.headers.get('ratelimit-limit'), res.headers.get('ratelimit-remaining'), res.headers.get('ratelimit-reset')]).toEqual([String(limit), '0', String(retryAfter)]);
}

describe('audit read budgets', () => {
  it("refuses a user's third read of a minute, serves another user, then refuses everyone past the project's budget; never 503", async () => {
    // Two instances of one deployment (one kit instance): they count on the same counters.
    const settings = { KEYWARD_AUDIT_USER_READS_PER_MINUTE: '2', KEYWARD_AUDIT_READS_PER_MINUTE: '3', KEYWARD_AUDIT_READ_CACHE_MS: '0' };
    const instance = fresh('budget');
    const [one, two] = [await start(instance, settings), await start(instance, settings)];
    const [alice, bob, carol] = await Promise.all([createUser(), createUser(), createUser()]);
    await freshMinute(20_000);
    expect((await read(one, alice)).status).toBe(200);
    expect((await read(two, alice, '/v1/audit', { event: 'key.create' })).status).toBe(200);
    expectSpent(await read(one, alice, '/v1/audit', { kind: 'changes' }), 2);
    expectSpent(await read(two, alice), 2);
    // Alice's refusals spent nothing of the project's: Bob still has the third read.
    const bobs = await read(two, bob);
    expect([bobs.status, bobs.json.entries.every((e: { actor: { uid?: string }; target: { uid?: string } }) => e.actor.uid === bob.uid || e.target.uid === bob.uid)]).toEqual([200, true]);
    expectSpent(await read(one, carol), 3);
    expectSpent(await read(two, bob), 3);
  });

  it("a verification or an export is one read of the auditor's budget, whatever pages it reads (each page is one of the project's)", async () => {
    // The deployment's own instance (verification needs its signing keys); the auditor's budget is theirs alone.
    const app = await startInProcessApp({ KEYWARD_AUDIT_USER_READS_PER_MINUTE: '2', KEYWARD_AUDIT_READ_CACHE_MS: '0' });
    apps.push(app);
    const auditor = await withRole(await createUser(), { auditor: true });
    await freshMinute(20_000);
    const range = { from: new Date(Date.now() - 60_000).toISOString(), to: new Date().toISOString() };
    const verified = await read(app, auditor, '/v1/audit/verify', range);
    expect([verified.status, typeof verified.json.ok, typeof verified.json.entries]).toEqual([200, 'boolean', 'number']);
    const exported = await read(app, auditor, '/v1/audit/export', range);
    expect([exported.status, exported.json.format]).toEqual([200, 'keyward-audit-export/1']);
    expectSpent(await read(app, auditor, '/v1/audit/verify', range), 2);
    expectSpent(await read(app, auditor), 2);
  });
});

describe('audit read cache', () => {
  it('answers an identical read within the window without spending, and never across users', async () => {
    const app = await start(fresh('cache'), { KEYWARD_AUDIT_USER_READS_PER_MINUTE: '1', KEYWARD_AUDIT_READ_CACHE_MS: '5000' });
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    await freshMinute(20_000);
    const first = await read(app, alice, '/v1/audit', { pageSize: '20' });
    const again = await read(app, alice, '/v1/audit', { pageSize: '20' });
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.json).toEqual(first.json);
    // Her budget of one is spent by the first read: any other query is refused.
    expectSpent(await read(app, alice, '/v1/audit', { pageSize: '21' }), 1);
    // Bob's identical query is his own read, of his own entries.
    const bobs = await read(app, bob, '/v1/audit', { pageSize: '20' });
    expect(bobs.status).toBe(200);
    expect(bobs.json.entries.some((e: { actor: { uid?: string } }) => e.actor.uid === alice.uid)).toBe(false);
    expectSpent(await read(app, bob, '/v1/audit', { pageSize: '20', event: 'key.create' }), 1);
  });
});
