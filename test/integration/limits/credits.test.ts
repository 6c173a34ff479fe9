// Per-key limits and credits (limits/call-limiter.ts) on one instance built in this process, against
// the test stack's emulators: the done-when checks of the limits issue, the settings on keys, and
// the headers and `/v1/me` report users see.
import type { AuditEvent, AuditSink } from '../../../functions/src/audit/events';
import { signRequest } from '../../../client/src';
import { createUser } from '../../harness/auth';
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import { bearer, jsonHeaders } from '../../harness/keys';
import { createKeyAt } from '../keys/support';
import { issue } from '../tokens/support';
import { expectLimited, fetchJson, freshMinute, meWithKey, patchKey } from './support';
import { eventually } from '../../harness/eventually';

describe('per-key limits and credits', () => {
  let app: InProcessApp;
  const events: AuditEvent[] = [];
  const audit: AuditSink = { record: async (e) => void events.push(e), access: (e) => void events.push(e), flush: async () => undefined };

  beforeAll(async () => {
    app = await startInProcessApp({}, { audit });
  });
  afterAll(async () => {
    await app?.close();
    await app?.services.audit.close();
  });

  it('serves exactly 5 sequential requests on a key with 5 credits, then answers 429 quota_exceeded', async () => {
    const user = await createUser();
    const key = await createKeyAt(app.url, user, { name: 'five credits', credits: { remaining: 5 } });
    expect(key.credits).toEqual({ remaining: 5, nextRefillAt: null });
    for (let left = 4; left >= 0; left--) {
      const res = await meWithKey(app.url, key.key);
      expect(res.status).toBe(200);
      expect(res.json.usage.credits).toEqual({ remaining: left, nextRefillAt: null });
      expect(res.headers.get('ratelimit-limit')).toBeTruthy();
    }
    const refused = await meWithKey(app.url, key.key);
    expectLimited(refused, 'quota_exceeded', 5);
    expect(refused.json.uid).toBeUndefined();
    // The owner sees none left; interactive credentials are not metered.
    const view = await fetchJson(`${app.url}/v1/keys/${key.id}`, { headers: bearer(user.idToken) });
    expect(view.json.credits).toEqual({ remaining: 0, nextRefillAt: null });
    // The first refusal is audited once, not every refused request.
    expectLimited(await meWithKey(app.url, key.key), 'quota_exceeded', 5);
    await eventuallyTrue(() => events.some((e) => e.event === 'key.limit' && e.target?.keyId === key.id));
    expect(events.filter((e) => e.event === 'key.limit' && e.target?.keyId === key.id)).toHaveLength(1);
  });

  it('accepts 20 concurrent requests against 10 credits between 10 and 12 times', async () => {
    const user = await createUser();
    const key = await createKeyAt(app.url, user, { name: 'ten credits', credits: { remaining: 10 } });
    const results = await Promise.all(Array.from({ length: 20 }, () => meWithKey(app.url, key.key)));
    const accepted = results.filter((r) => r.status === 200).length;
    expect(accepted).toBeGreaterThanOrEqual(10);
    expect(accepted).toBeLessThanOrEqual(12);
    for (const r of results.filter((r) => r.status !== 200)) expect(r.json.error.code).toBe('quota_exceeded');
  });

  it('refuses the 11th request in a minute of a 10-per-minute key, with Retry-After', async () => {
    const user = await createUser();
    const key = await createKeyAt(app.url, user, { name: 'ten a minute', limits: { requestsPerMinute: 10 } });
    await freshMinute(20_000);
    const remaining: string[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await meWithKey(app.url, key.key);
      expect(res.status).toBe(200);
      remaining.push(res.headers.get('ratelimit-remaining')!);
    }
    expect(remaining).toEqual(['9', '8', '7', '6', '5', '4', '3', '2', '1', '0']);
    const retryAfter = expectLimited(await meWithKey(app.url, key.key), 'rate_limited', 10);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it('meters every key-based credential of the key alike: API key, access token, signed request', async () => {
    const user = await createUser();
    const key = await createKeyAt(app.url, user, { name: 'shared credits', credits: { remaining: 3 } });
    const token = (await issue({ api_key: key.key }, {}, app.url)).json.token as string;
    expect((await fetchJson(`${app.url}/v1/me`, { headers: bearer(token) })).json.usage.credits.remaining).toBe(2);
    const signed = signRequest({ keyId: key.id, signingSecret: key.signingSecret }, { method: 'GET', url: `${app.url}/v1/me` });
    expect((await fetchJson(`${app.url}/v1/me`, { headers: signed })).json.usage.credits.remaining).toBe(1);
    expect((await meWithKey(app.url, key.key)).json.usage.credits.remaining).toBe(0);
    expectLimited(await fetchJson(`${app.url}/v1/me`, { headers: bearer(token) }), 'quota_exceeded', 3);
    // Introspection answers whether the token is active, without spending any credit, and never its key's limits or credits (another tenant's).
    const server = await createKeyAt(app.url, user, { name: 'resource server' });
    const introspect = () =>
      fetchJson(`${app.url}/oauth/introspect`, { method: 'POST', headers: { 'x-api-key': server.key, 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}` });
    for (let i = 0; i < 2; i++) {
      const answer = (await introspect()).json;
      expect([answer.active, answer.client_id, Object.keys(answer).sort()]).toEqual([true, key.id, ['active', 'aud', 'client_id', 'exp', 'iat', 'iss', 'jti', 'key_type', 'nbf', 'scope', 'sub', 'token_type']]);
    }
    // The owner's own sign-in is not metered.
    expect((await fetchJson(`${app.url}/v1/me`, { headers: bearer(user.idToken) })).status).toBe(200);
  });

  it('lets the owner change limits and credits with PATCH, within what the project allows', async () => {
    const user = await createUser();
    const key = await createKeyAt(app.url, user, { name: 'patched', credits: { remaining: 1 } });
    await meWithKey(app.url, key.key);
    expectLimited(await meWithKey(app.url, key.key), 'quota_exceeded', 1);

    const patched = await patchKey(app.url, user.idToken, key.id, { credits: { remaining: 2, refill: { amount: 50, interval: 'month' } }, limits: { requestsPerDay: 1000 } });
    expect(patched.status).toBe(200);
    const now = new Date();
    const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString();
    expect(patched.json).toMatchObject({ id: key.id, limits: { requestsPerDay: 1000 }, credits: { remaining: 2, refill: { amount: 50, interval: 'month' }, nextRefillAt: nextMonth } });
    // Enforced at once on this instance: a fresh count of the new credits.
    expect((await meWithKey(app.url, key.key)).json.usage).toMatchObject({ credits: { remaining: 1, nextRefillAt: nextMonth }, rateLimit: { limit: 1000 } });

    for (const bad of [
      { limits: { requestsPerMinute: 10_000_000 } },
      { limits: { requestsPerMinute: 0 } },
      { credits: { remaining: -1 } },
      { credits: { remaining: 1, refill: { amount: 5, interval: 'week' } } },
      { credits: { remaining: 1, extra: true } },
      { limits: { requestsPerHour: 5 } },
    ]) {
      const res = await patchKey(app.url, user.idToken, key.id, bad);
      expect([res.status, res.json.error.code]).toEqual([400, 'invalid_request']);
    }
    expect((await createKeyAtStatus(app.url, user.idToken, { name: 'too fast', limits: { requestsPerMinute: 10_000_000 } }))).toBe(400);
    // Removing them: unmetered again.
    expect((await patchKey(app.url, user.idToken, key.id, { credits: null, limits: null })).json).toMatchObject({ credits: null, limits: null });
    expect((await meWithKey(app.url, key.key)).json.usage.credits).toBeUndefined();

    // Only the owner, with an interactive credential; another user's key is not found.
    expect((await fetchJson(`${app.url}/v1/keys/${key.id}`, { method: 'PATCH', headers: { 'x-api-key': key.key, 'content-type': 'application/json' }, body: '{"credits":{"remaining":100}}' })).status).toBe(403);
    const stranger = await createUser();
    expect((await patchKey(app.url, stranger.idToken, key.id, { credits: { remaining: 100 } })).status).toBe(404);
    expect(events.filter((e) => e.event === 'key.update' && e.outcome === 'success' && e.target?.keyId === key.id)).toHaveLength(2);
  });
});

async function createKeyAtStatus(baseUrl: string, idToken: string, body: unknown): Promise<number> {
  return (await fetchJson(`${baseUrl}/v1/keys`, { method: 'POST', headers: jsonHeaders(idToken), body: JSON.stringify(body) })).status;
}

async function eventuallyTrue(check: () => boolean, timeoutMs = 5000): Promise<void> {
  if (!(await eventually(check, Boolean, { timeoutMs, everyMs: 20 }))) throw new Error('condition not met in time');
}
