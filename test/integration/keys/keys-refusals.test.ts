import { api, createUser } from '../../harness/auth';
import { adminAuth } from '../../harness/admin';
import { bearer, createKey, jsonHeaders } from '../../harness/keys';
import { eventually, reached } from '../../harness/eventually';

async function post(path: string, token: string, body: unknown) {
  return api(path, { method: 'POST', headers: jsonHeaders(token), body: typeof body === 'string' ? body : JSON.stringify(body) });
}

function expectError(res: { status: number; json: any }, status: number, code: string) {
  expect({ status: res.status, code: res.json?.error?.code }).toEqual({ status, code });
  expect(typeof res.json.error.message).toBe('string');
}

describe('API keys: refusals', () => {
  it('refuses a missing, malformed, unknown or wrong key with 401 and a challenge', async () => {
    const user = await createUser();
    const key = await createKey(user);
    const [type, id, secret] = key.key.split('_') as [string, string, string];
    const wrongSecret = await createKey(user); // a well-formed key with a valid checksum but another id's secret
    const swapped = `${type}_${id}_${wrongSecret.key.split('_')[2]}`;
    const unknown = `${type}_${wrongSecret.id.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}_${secret}`;

    const none = await api('/v1/me');
    expectError(none, 401, 'unauthenticated');
    expect(none.headers.get('www-authenticate')).toBeTruthy();
    for (const bad of ['server_short', key.key.slice(0, -1) + (key.key.endsWith('0') ? '1' : '0'), swapped, unknown]) {
      const res = await api('/v1/me', { headers: { 'x-api-key': bad } });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBeTruthy();
      expect(res.text).not.toContain(bad);
    }
  });

  it('refuses a revoked key at once, and a key may revoke itself', async () => {
    const user = await createUser();
    const key = await createKey(user);
    const revoke = await api(`/v1/keys/${key.id}`, { method: 'DELETE', headers: bearer(user.idToken) });
    expect(revoke.status).toBe(200);
    expect(revoke.json.status).toBe('revoked');
    expectError(await api('/v1/me', { headers: { 'x-api-key': key.key } }), 401, 'revoked_credential');

    const self = await createKey(user);
    expect((await api(`/v1/keys/${self.id}`, { method: 'DELETE', headers: { 'x-api-key': self.key } })).status).toBe(200);
    expect((await api('/v1/me', { headers: { 'x-api-key': self.key } })).status).toBe(401);
  });

  it('refuses an expired key', async () => {
    const user = await createUser();
    // A key that expires in three seconds: it works until then, and is refused from then on (expiry
    // needs no write, so no instance has anything to learn: each compares the time it holds).
    const expiresAt = Date.now() + 3000;
    const key = await createKey(user, { name: 'short-lived', expiresAt: new Date(expiresAt).toISOString() });
    expect((await api('/v1/me', { headers: { 'x-api-key': key.key } })).status).toBe(200);
    await reached(expiresAt);
    expectError(await api('/v1/me', { headers: { 'x-api-key': key.key } }), 401, 'expired_credential');
    expect((await api(`/v1/keys/${key.id}`, { headers: bearer(user.idToken) })).json.status).toBe('expired');
  });

  it('manages keys only with an interactive credential', async () => {
    const user = await createUser();
    const key = await createKey(user);
    const other = await createKey(user);
    const asKey = { 'x-api-key': key.key, 'content-type': 'application/json' };
    expectError(await api('/v1/keys', { method: 'POST', headers: asKey, body: '{"name":"x"}' }), 403, 'interactive_credential_required');
    expectError(await api(`/v1/keys/${other.id}/regenerate`, { method: 'POST', headers: asKey, body: '{}' }), 403, 'interactive_credential_required');
    expectError(await api(`/v1/keys/${other.id}`, { method: 'DELETE', headers: asKey }), 403, 'interactive_credential_required');
  });

  it("answers 404 for another user's key, so existence does not leak", async () => {
    const alice = await createUser();
    const bob = await createUser();
    const key = await createKey(alice);
    expectError(await api(`/v1/keys/${key.id}`, { headers: bearer(bob.idToken) }), 404, 'not_found');
    expectError(await api(`/v1/keys/${key.id}`, { method: 'DELETE', headers: bearer(bob.idToken) }), 404, 'not_found');
    expectError(await post(`/v1/keys/${key.id}/regenerate`, bob.idToken, {}), 404, 'not_found');
    expectError(await api("/v1/keys/kw'%3B--%20drop", { headers: bearer(bob.idToken) }), 404, 'not_found');
    expect((await api('/v1/me', { headers: { 'x-api-key': key.key } })).status).toBe(200);
  });

  it('binds web keys to their origins and any key to its addresses', async () => {
    const user = await createUser();
    const web = await createKey(user, { name: 'web', type: 'web', allowedOrigins: ['https://app.example.com'] });
    expectError(await api('/v1/me', { headers: { 'x-api-key': web.key } }), 403, 'origin_not_allowed');
    expectError(await api('/v1/me', { headers: { 'x-api-key': web.key, origin: 'https://evil.example.com' } }), 403, 'origin_not_allowed');
    expect((await api('/v1/me', { headers: { 'x-api-key': web.key, origin: 'https://app.example.com' } })).status).toBe(200);

    const fenced = await createKey(user, { name: 'fenced', allowedIps: ['203.0.113.0/24', '2001:db8::/32'] });
    expectError(await api('/v1/me', { headers: { 'x-api-key': fenced.key } }), 403, 'ip_not_allowed');
    const local = await createKey(user, { name: 'local', allowedIps: ['127.0.0.0/8', '::1'] });
    expect((await api('/v1/me', { headers: { 'x-api-key': local.key } })).status).toBe(200);
  });

  it('refuses On-Behalf-Of unless a server key owner may delegate', async () => {
    const owner = await createUser();
    const other = await createUser();
    const key = await createKey(owner);
    expectError(await api('/v1/me', { headers: { 'x-api-key': key.key, 'on-behalf-of': other.uid } }), 403, 'forbidden');
    expectError(await api('/v1/me', { headers: { ...bearer(owner.idToken), 'on-behalf-of': other.uid } }), 403, 'forbidden');
    const mobile = await createKey(owner, { name: 'm', type: 'mobile' });
    await adminAuth().setCustomUserClaims(owner.uid, { permissions: ['delegate'] });
    // Once the API sees the new permission (the user cache bound), only the key type stands in the way.
    await eventually(() => api('/v1/me', { headers: { 'x-api-key': mobile.key } }), (r) => r.json?.claims?.permissions?.includes('delegate'), { timeoutMs: 2500 });
    expectError(await api('/v1/me', { headers: { 'x-api-key': mobile.key, 'on-behalf-of': other.uid } }), 403, 'forbidden');
  });

  it('refuses two credentials at once and keys in the URL', async () => {
    const user = await createUser();
    const key = await createKey(user);
    expectError(await api('/v1/me', { headers: { 'x-api-key': key.key, authorization: `Bearer ${user.idToken}` } }), 400, 'multiple_credentials');
    expectError(await api('/v1/me', { headers: { 'x-api-key': key.key, cookie: '__session=abc' } }), 400, 'multiple_credentials');
    expectError(await api(`/v1/me?api_key=${key.key}`), 400, 'credential_in_url');
  });

  it('validates creation input against an allow-list and writes nothing on bad input', async () => {
    const user = await createUser();
    const bad: unknown[] = [
      {},
      { name: '' },
      { name: 'x'.repeat(101) },
      { name: 5 },
      { name: 'a\u0000b' },
      { name: 'ok', type: 'root' },
      { name: 'ok', ownerUid: 'someone-else' },
      { name: 'ok', status: 'active', secrets: [] },
      { name: 'ok', scopes: 'read' },
      { name: 'ok', scopes: Array.from({ length: 51 }, (_, i) => `s${i}`) },
      { name: 'ok', scopes: ['has space'] },
      { name: 'ok', scopes: ['admin'] },
      { name: 'ok', allowedIps: ['10.0.0.0/33'] },
      { name: 'ok', allowedOrigins: ['not a url'] },
      { name: 'ok', type: 'web' },
      { name: 'ok', expiresAt: 'tomorrow' },
      { name: 'ok', expiresAt: '2001-01-01T00:00:00Z' },
      { name: 'ok', expiresAt: new Date(Date.now() + 400 * 86_400_000).toISOString() },
      '[1,2]',
      '{"name": ',
      'null',
    ];
    for (const body of bad) {
      const res = await post('/v1/keys', user.idToken, body);
      expect([400, 403]).toContain(res.status);
      expect(res.json.error.code).toMatch(/^(invalid_request|invalid_json|insufficient_scope)$/);
    }
    expect((await api('/v1/keys', { headers: bearer(user.idToken) })).json.keys).toEqual([]);

    const later = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const ok = await post('/v1/keys', user.idToken, { name: 'ok', expiresAt: later });
    expect(ok.status).toBe(201);
    expect(Date.parse(ok.json.expiresAt)).toBe(Date.parse(later));
  });

  it('answers wrong methods, content types, oversized and unknown paths in the contract shape', async () => {
    const user = await createUser();
    const wrongMethod = await api('/v1/keys', { method: 'PUT', headers: bearer(user.idToken) });
    expectError(wrongMethod, 405, 'method_not_allowed');
    expect(wrongMethod.headers.get('allow')).toBe('GET, POST');
    const form = await api('/v1/keys', {
      method: 'POST',
      headers: { ...bearer(user.idToken), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=x',
    });
    expectError(form, 415, 'unsupported_media_type');
    const big = await post('/v1/keys', user.idToken, { name: 'x', pad: 'y'.repeat(40_000) });
    expectError(big, 413, 'payload_too_large');
    expectError(await api('/v1/nothing-here'), 404, 'not_found');
    expectError(await post('/v1/keys/x/regenerate', user.idToken, { gracePeriod: -1 }), 404, 'not_found');
    const key = await createKey(user);
    expectError(await post(`/v1/keys/${key.id}/regenerate`, user.idToken, { gracePeriod: 604_801 }), 400, 'invalid_request');
    expectError(await post(`/v1/keys/${key.id}/regenerate`, user.idToken, { gracePeriod: '5' }), 400, 'invalid_request');
  });
});
