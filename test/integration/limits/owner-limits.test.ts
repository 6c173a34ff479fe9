// The owner's own limits and credits, shared by all their keys (`GET`/`PATCH /v1/me/limits`), over
// real HTTP against the test stack's emulators: on one instance built in this process (to read its
// audit), and through Hosting on the deployed `api` function.
import type { AuditEvent } from '../../../functions/src/audit/events';
import { adminDb } from '../../harness/admin';
import { api, createUser, type TestUser } from '../../harness/auth';
import { eventually } from '../../harness/eventually';
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import { bearer, createKey, jsonHeaders } from '../../harness/keys';
import { memoryAuditSink } from '../../harness/memory';
import { createKeyAt } from '../keys/support';
import { sameOrigin, sessionFor } from '../sessions/support';
import { expectLimited, fetchJson, freshMinute, meWithKey } from './support';

const patchLimits = (baseUrl: string, user: TestUser, body: unknown) =>
  fetchJson(`${baseUrl}/v1/me/limits`, { method: 'PATCH', headers: jsonHeaders(user.idToken), body: JSON.stringify(body) });
const stored = async (uid: string) => (await adminDb().collection('ownerLimits').doc(uid).get()).data();

describe('owner limits, shared by all their keys', () => {
  let app: InProcessApp;
  const audit = memoryAuditSink();
  const events: AuditEvent[] = audit.events;

  beforeAll(async () => {
    app = await startInProcessApp({}, { audit });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('counts the requests of two keys against one owner limit, each key within its own, and says so in the 429', async () => {
    const user = await createUser();
    const [a, b] = [await createKeyAt(app.url, user, { name: 'a' }), await createKeyAt(app.url, user, { name: 'b', limits: { requestsPerMinute: 100 } })];
    const set = await patchLimits(app.url, user, { limits: { requestsPerMinute: 3 } });
    expect([set.status, set.json.limits, set.json.credits]).toEqual([200, { requestsPerMinute: 3 }, null]);
    await freshMinute(15_000);
    const statuses: number[] = [];
    for (const key of [a, b, a]) {
      const res = await meWithKey(app.url, key.key);
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200]);
    const refused = await meWithKey(app.url, b.key);
    const retryAfter = expectLimited(refused, 'rate_limited', 3);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.json.error.message).toMatch(/your keys together/);
    expectLimited(await meWithKey(app.url, a.key), 'rate_limited', 3);
    // The owner is not metered, and sees the limits in /v1/me.
    const me = await fetchJson(`${app.url}/v1/me`, { headers: bearer(user.idToken) });
    expect([me.status, me.json.limits]).toEqual([200, expect.objectContaining({ limits: { requestsPerMinute: 3 } })]);
    // The first refusal of the window is audited once, naming the shared limit.
    await eventually(() => events.some((e) => e.event === 'key.limit' && e.target?.uid === user.uid));
    expect(events.filter((e) => e.event === 'key.limit' && e.target?.uid === user.uid)).toEqual([expect.objectContaining({ reason: 'rate_limited: owner-calls 3' })]);
  });

  it('shares the owner credits across keys, reported by /v1/me and GET /v1/me/limits, until quota_exceeded', async () => {
    const user = await createUser();
    const [a, b] = [await createKeyAt(app.url, user, { name: 'a', credits: { remaining: 100 } }), await createKeyAt(app.url, user, { name: 'b' })];
    expect((await patchLimits(app.url, user, { credits: { remaining: 3, refill: { amount: 3, interval: 'month' } } })).json.credits).toMatchObject({ remaining: 3 });
    // The tighter credits are reported: the owner's 3, not key a's 100.
    expect((await meWithKey(app.url, a.key)).json.usage.credits.remaining).toBe(2);
    expect((await meWithKey(app.url, b.key)).json.usage.credits.remaining).toBe(1);
    // A key of the owner may read them (they count its requests, this one included).
    const byKey = await fetchJson(`${app.url}/v1/me/limits`, { headers: { 'x-api-key': a.key } });
    expect([byKey.status, byKey.json.credits.remaining, byKey.headers.get('ratelimit-limit')]).toEqual([200, 0, expect.any(String)]);
    expectLimited(await meWithKey(app.url, b.key), 'quota_exceeded', 3);
    expectLimited(await fetchJson(`${app.url}/v1/me/limits`, { headers: { 'x-api-key': a.key } }), 'quota_exceeded', 3);
    const view = await fetchJson(`${app.url}/v1/me/limits`, { headers: bearer(user.idToken) });
    expect(view.json).toMatchObject({ limits: null, credits: { remaining: 0, refill: { amount: 3, interval: 'month' } } });
    // Raising them starts a fresh count, at once on this instance.
    await patchLimits(app.url, user, { credits: { remaining: 10 } });
    expect((await meWithKey(app.url, b.key)).json.usage.credits.remaining).toBe(9);
  });

  it('refuses bad input with the contract’s error and changes nothing', async () => {
    const user = await createUser();
    await patchLimits(app.url, user, { limits: { requestsPerDay: 500 } });
    const before = await stored(user.uid);
    // Every key a user may hold at the fastest key type's calls per minute, and one more.
    const { rateLimits, keys } = app.services.config;
    const tooMany = Math.max(...Object.values(rateLimits).map((r) => r.callsPerMinute)) * keys.maxPerUser + 1;
    // Each with the field it names (none when nothing at all was sent).
    const cases: Array<[Record<string, unknown>, string | undefined]> = [
      [{}, undefined],
      [{ limits: { requestsPerMinute: tooMany } }, '/limits/requestsPerMinute'],
      [{ limits: { requestsPerMinute: 0 } }, '/limits/requestsPerMinute'],
      [{ credits: { remaining: -5 } }, '/credits/remaining'],
      [{ credits: { remaining: 1, refill: { amount: 2, interval: 'year' } } }, '/credits/refill/interval'],
      [{ uid: 'x', limits: null }, '/uid'],
      [{ limits: [] }, '/limits'],
    ];
    for (const [body, field] of cases) {
      const res = await patchLimits(app.url, user, body);
      expect([JSON.stringify(body), res.status, res.json]).toEqual([JSON.stringify(body), 400, { error: { code: 'invalid_request', message: expect.any(String), ...(field ? { field } : {}) } }]);
    }
    for (const [type, text, status, code] of [
      ['application/json', '{', 400, 'invalid_json'],
      ['application/json', '[]', 400, 'invalid_request'],
      ['text/plain', '{"limits":null}', 415, 'unsupported_media_type'],
    ] as const) {
      const res = await fetchJson(`${app.url}/v1/me/limits`, { method: 'PATCH', headers: { ...bearer(user.idToken), 'content-type': type }, body: text });
      expect([text, res.status, res.json.error.code]).toEqual([text, status, code]);
    }
    expect(await stored(user.uid)).toEqual(before);
    expect((await fetchJson(`${app.url}/v1/me/limits`, { headers: bearer(user.idToken) })).json.limits).toEqual({ requestsPerDay: 500 });
  });

  it('is the caller’s own: another user neither reads nor changes it, and a key cannot change it', async () => {
    const [owner, stranger] = [await createUser(), await createUser()];
    const key = await createKeyAt(app.url, owner, { name: 'owner key' });
    await patchLimits(app.url, owner, { limits: { requestsPerMinute: 50 } });
    // A stranger's requests name no owner: they only ever see and change their own.
    expect((await fetchJson(`${app.url}/v1/me/limits`, { headers: bearer(stranger.idToken) })).json.limits).toBeNull();
    expect((await patchLimits(app.url, stranger, { limits: null })).status).toBe(200);
    expect((await fetchJson(`${app.url}/v1/me/limits?uid=${owner.uid}`, { headers: bearer(stranger.idToken) })).json.limits).toBeNull();
    // The owner's key may read them, never lift them: a leaked key must not raise the cap that contains it.
    const byKey = await fetchJson(`${app.url}/v1/me/limits`, { method: 'PATCH', headers: { 'x-api-key': key.key, 'content-type': 'application/json' }, body: '{"limits":null}' });
    expect([byKey.status, byKey.json.error.code]).toEqual([403, 'interactive_credential_required']);
    expect((await stored(owner.uid))!.limits).toEqual({ requestsPerMinute: 50 });
    const updates = events.filter((e) => e.event === 'limits.update' && e.target?.uid === owner.uid);
    expect(updates.map((e) => e.outcome)).toEqual(['success', 'failure']);
    expect(updates[1]).toMatchObject({ actor: { uid: owner.uid, method: 'api_key', keyId: key.id }, reason: 'interactive_credential_required' });
  });
});

describe('owner limits through Hosting, on the deployed api function', () => {
  it('a session cookie sets them from the console’s origin; the keys of the owner are held to them', async () => {
    const user = await createUser();
    const cookie = await sessionFor(user);
    const headers = { cookie: `__session=${cookie}`, ...sameOrigin(), 'content-type': 'application/json' };
    const set = await api('/v1/me/limits', { method: 'PATCH', headers, body: JSON.stringify({ credits: { remaining: 2 } }) });
    expect([set.status, set.headers.get('cache-control'), set.json.credits]).toEqual([200, 'no-store', { remaining: 2, nextRefillAt: null }]);
    const crossSite = await api('/v1/me/limits', { method: 'PATCH', headers: { ...headers, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, body: '{"credits":null}' });
    expect([crossSite.status, crossSite.json.error.code]).toEqual([403, 'cross_site_request']);
    const [a, b] = [await createKey(user, { name: 'a' }), await createKey(user, { name: 'b' })];
    const me = (key: string) => api('/v1/me', { headers: { 'x-api-key': key } });
    // The Functions emulator may serve a request in another instance: each enforces within the cache lifetime.
    const statuses = [(await me(a.key)).status, (await me(b.key)).status];
    expect(statuses).toEqual([200, 200]);
    const third = await me(a.key);
    expect([third.status, third.json.error.code]).toEqual([429, 'quota_exceeded']);
    const mine = await api('/v1/me', { headers: { cookie: `__session=${cookie}` } });
    expect(mine.json.limits).toMatchObject({ credits: { remaining: 0 } });
  });
});
