// Revocation across instances: refused at once on the instance that revoked, and within the cache
// TTL (KEYWARD_CACHE_TTL_MS: 1 s on the test stack, 10 s by default) on every other instance, which
// had the key cached as valid. Two instances built in this process, plus the functions behind Hosting.
import { api, createUser } from '../../harness/auth';
import { bearer } from '../../harness/keys';
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import { TEST_FUNCTIONS_ENV } from '../../harness/ports';
import { createKeyAt, fetchJson, meAt } from './support';
import { eventually } from '../../harness/eventually';

const CACHE_TTL_MS = Number(TEST_FUNCTIONS_ENV.KEYWARD_CACHE_TTL_MS);
/** Request latency and scheduling: the bound itself is the TTL. */
const MARGIN_MS = 400;

/** Polls until the key is refused; the ms from `since` to the first refusal, and that refusal. */
async function refusedAfter(check: () => Promise<{ status: number; json: any }>, since: number, timeoutMs: number) {
  const res = await eventually(check, (r) => r.status !== 200, { timeoutMs: timeoutMs - (Date.now() - since), everyMs: 25 });
  return { ms: res.status !== 200 ? Date.now() - since : Infinity, res };
}

describe('API keys: revocation across instances', () => {
  let a: InProcessApp;
  let b: InProcessApp;

  beforeAll(async () => {
    [a, b] = await Promise.all([startInProcessApp(), startInProcessApp()]);
  });
  afterAll(async () => {
    for (const app of [a, b]) {
      await app?.close();
      await app?.services.audit.close();
    }
  });

  it('refuses a revoked key at once where it was revoked and within the cache TTL everywhere else', async () => {
    expect(CACHE_TTL_MS).toBe(1000);
    const user = await createUser();
    const key = await createKeyAt(a.url, user);
    const headers = { 'x-api-key': key.key };
    // Every instance has the key cached as valid.
    expect((await meAt(a.url, headers)).status).toBe(200);
    expect((await meAt(b.url, headers)).status).toBe(200);
    expect((await api('/v1/me', { headers })).status).toBe(200);

    const revoke = await fetchJson(`${a.url}/v1/keys/${key.id}`, { method: 'DELETE', headers: bearer(user.idToken) });
    expect([revoke.status, revoke.json.status]).toEqual([200, 'revoked']);
    const revokedAt = Date.now();

    const atA = await meAt(a.url, headers);
    expect([atA.status, atA.json.error.code]).toEqual([401, 'revoked_credential']);

    const [atB, atHosting] = await Promise.all([
      refusedAfter(() => meAt(b.url, headers), revokedAt, 5000),
      refusedAfter(() => api('/v1/me', { headers }), revokedAt, 5000),
    ]);
    expect(atB.ms).toBeLessThanOrEqual(CACHE_TTL_MS + MARGIN_MS);
    expect([atB.res.status, atB.res.json.error.code]).toEqual([401, 'revoked_credential']);
    expect(atHosting.ms).toBeLessThanOrEqual(CACHE_TTL_MS + MARGIN_MS);
    expect([atHosting.res.status, atHosting.res.json.error.code]).toEqual([401, 'revoked_credential']);
    // And it stays refused, in every header form.
    for (const form of [{ authorization: `ApiKey ${key.key}` }, { authorization: `Bearer ${key.key}` }]) {
      expect((await meAt(b.url, form)).status).toBe(401);
    }
  });
});
