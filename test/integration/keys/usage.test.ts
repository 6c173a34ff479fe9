// Usage per key, end to end: the requests a client sends with a key are counted in memory,
// written with lastUsedAt (KEYWARD_USAGE_FLUSH_MS in the test stack), and reported by
// GET /v1/usage and the getUsage callable. A pause (PATCH disabled) is refused and counted as a failure.
import { api, createUser, type TestUser } from '../../harness/auth';
import { bearer, createKey, jsonHeaders } from '../../harness/keys';
import { eventually } from '../../harness/eventually';

const today = () => new Date().toISOString().slice(0, 10);
const useKey = (key: string) => api('/v1/me', { headers: { 'x-api-key': key } });
const patch = (user: TestUser, id: string, body: unknown) => api(`/v1/keys/${id}`, { method: 'PATCH', headers: jsonHeaders(user.idToken), body: JSON.stringify(body) });
const rpc = (user: TestUser, name: string, data: unknown) =>
  api(`/v1/rpc/${name}`, { method: 'POST', headers: jsonHeaders(user.idToken), body: JSON.stringify({ data }) });

describe('usage per key', () => {
  jest.setTimeout(60_000);

  it('reports exactly the requests sent with a key, refusals of a paused key as failures', async () => {
    const user = await createUser();
    const key = await createKey(user, { name: 'counted' });
    const other = await createKey(user, { name: 'other' });
    let sent = 0;
    let refused = 0;
    for (let i = 0; i < 12; i++) {
      expect((await useKey(key.key)).status).toBe(200);
      sent++;
    }
    expect((await useKey(other.key)).status).toBe(200);

    expect((await patch(user, key.id, { disabled: true })).json.status).toBe('disabled');
    // Refused at once on the instance that paused it, within the cache lifetime on any other.
    const paused = await eventually(async () => {
      const res = await useKey(key.key);
      sent++;
      if (res.status === 401) refused++;
      return res.status === 401 && res.json.error.code === 'revoked_credential';
    }, Boolean, { timeoutMs: 10_000, everyMs: 100 });
    expect(paused).toBe(true);
    for (let i = 0; i < 2; i++) {
      expect((await useKey(key.key)).status).toBe(401);
      sent++;
      refused++;
    }

    const expected = { requests: sent, failures: refused };
    let last: any;
    const settled = await eventually(async () => {
      last = (await api(`/v1/usage?keyId=${key.id}`, { headers: bearer(user.idToken) })).json;
      return last.totals.requests === expected.requests && last.totals.failures === expected.failures;
    }, Boolean, { timeoutMs: 15_000, everyMs: 250 });
    expect(last.totals).toEqual(expected);
    expect(settled).toBe(true);
    expect(last.days).toHaveLength(30);
    expect(last.days.at(-1)).toEqual({ day: today(), ...expected });

    // The overview: every key of the user, busiest first; the callable says the same.
    const overview = await api('/v1/usage', { headers: bearer(user.idToken) });
    expect(overview.status).toBe(200);
    expect(overview.json.keys).toEqual([
      { keyId: key.id, ...expected },
      { keyId: other.id, requests: 1, failures: 0 },
    ]);
    const viaCallable = await rpc(user, 'getUsage', { keyId: key.id, from: today() });
    expect(viaCallable.status).toBe(200);
    expect(viaCallable.json.result.totals).toEqual(expected);

    // Resumed: works again.
    expect((await patch(user, key.id, { disabled: false })).json.status).toBe('active');
    expect(await eventually(async () => (await useKey(key.key)).status === 200, Boolean, { timeoutMs: 10_000, everyMs: 100 })).toBe(true);
  });

  it("does not show another user's usage, and refuses bad input with the contract's error", async () => {
    const owner = await createUser();
    const stranger = await createUser();
    const key = await createKey(owner);
    const res = await api(`/v1/usage?keyId=${key.id}`, { headers: bearer(stranger.idToken) });
    expect(res.status).toBe(404);
    expect((await api(`/v1/usage?uid=${owner.uid}`, { headers: bearer(stranger.idToken) })).status).toBe(403);
    const bad = await api('/v1/usage?from=2026-02-31', { headers: bearer(owner.idToken) });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('invalid_request');
    expect((await api('/v1/usage')).status).toBe(401);
    // A key reads its own usage only.
    expect((await api(`/v1/usage?keyId=${key.id}`, { headers: { 'x-api-key': key.key } })).status).toBe(200);
    expect((await api('/v1/usage', { headers: { 'x-api-key': key.key } })).status).toBe(403);
  });
});
