// Rate limits by key type: token issuance shared across instances (a Firestore counter per key
// and minute, leased in blocks), calls per key counted the same way.
import { adminDb } from '../../harness/admin';
import { api } from '../../harness/auth';
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import { bearer, userWithKey } from '../../harness/keys';
import { fetchJson, issue } from './support';
import { reached } from '../../harness/eventually';

/** Fixed one-minute windows: start where the rest of the test fits in the current minute. */
async function freshWindow(needMs: number): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < needMs) await reached(Date.now() + left + 50);
}

describe('rate limits', () => {
  let app: InProcessApp;

  beforeAll(async () => {
    app = await startInProcessApp({ KEYWARD_CALL_LIMIT_SERVER: '3' });
  });
  afterAll(async () => {
    await app?.close();
    await app?.services.audit.close();
  });

  it('limits a server key to 10 token issuances a minute, across instances, with Retry-After and RateLimit headers', async () => {
    const { key } = await userWithKey({ name: 'issuance limit' });
    await freshWindow(15_000);
    const remaining: string[] = [];
    for (let i = 0; i < 10; i++) {
      // Alternate between Hosting and another instance: the count is shared.
      const res = i % 2 ? await issue({ api_key: key.key }, {}, app.url) : await issue({ api_key: key.key });
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBe('10');
      remaining.push(res.headers.get('ratelimit-remaining')!);
    }
    expect(remaining).toEqual(['9', '8', '7', '6', '5', '4', '3', '2', '1', '0']);
    const refused = await issue({ api_key: key.key });
    expect([refused.status, refused.json.error.code]).toEqual([429, 'rate_limited']);
    const retry = Number(refused.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect(refused.headers.get('ratelimit-limit')).toBe('10');
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('ratelimit-reset')).toBe(String(retry));
    expect(refused.json.token).toBeUndefined();

    const windowStart = Date.now() - (Date.now() % 60_000);
    const doc = await adminDb().collection('rateLimits').doc(`issue:${key.id}:${windowStart}`).get();
    expect(doc.get('count')).toBe(11);
    expect(doc.get('expireAt').toMillis()).toBe(windowStart + 120_000);

    // The key itself still works; only issuance is limited.
    expect((await api('/v1/me', { headers: { 'x-api-key': key.key } })).status).toBe(200);
  });

  it('does not count refused credentials against a key', async () => {
    const { key } = await userWithKey({ name: 'not counted' });
    await freshWindow(10_000);
    const wrong = key.key.slice(0, -6) + 'AAAAAA';
    for (let i = 0; i < 12; i++) await issue({ api_key: wrong });
    expect((await issue({ api_key: key.key })).headers.get('ratelimit-remaining')).toBe('9');
  });

  it('limits calls per key, by key type, with the same headers', async () => {
    const { user, key } = await userWithKey({ name: 'call limit' });
    await freshWindow(10_000);
    for (let i = 0; i < 3; i++) expect((await fetchJson(`${app.url}/v1/me`, { headers: { 'x-api-key': key.key } })).status).toBe(200);
    const refused = await fetchJson(`${app.url}/v1/me`, { headers: { 'x-api-key': key.key } });
    expect([refused.status, refused.json.error.code]).toEqual([429, 'rate_limited']);
    expect(refused.headers.get('retry-after')).toBe(refused.headers.get('ratelimit-reset'));
    expect(refused.headers.get('ratelimit-limit')).toBe('3');
    // Access tokens of the same key share its budget; interactive credentials are not limited.
    const token = (await issue({ api_key: key.key }, {}, app.url)).json.token;
    expect((await fetchJson(`${app.url}/v1/me`, { headers: bearer(token) })).status).toBe(429);
    for (let i = 0; i < 5; i++) expect((await fetchJson(`${app.url}/v1/me`, { headers: bearer(user.idToken) })).status).toBe(200);
    // The count is shared: Hosting's instance counts on the same counter, against the stack's default limit.
    expect((await api('/v1/me', { headers: { 'x-api-key': key.key } })).status).toBe(200);
  });
});
