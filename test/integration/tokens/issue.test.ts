// Issuing access tokens and using them, through Hosting, verified as a third party would.
import { decodeProtectedHeader } from 'jose';
import { api, createUser } from '../../harness/auth';
import { adminAuth } from '../../harness/admin';
import { createKey, jsonHeaders, userWithKey } from '../../harness/keys';
import { audience, issue, issuer, issueToken, json, thirdPartyVerifier } from './support';
import { eventually } from '../../harness/eventually';

describe('access tokens: issuance and use', () => {
  const verifyElsewhere = thirdPartyVerifier();

  it('trades an API key for a 24 h ES256 token that a third party verifies with the JWKS', async () => {
    const { user, key } = await userWithKey({ name: 'tokens' });
    const res = await issue({ api_key: key.key });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(res.json).sort()).toEqual(['expires_at', 'token']);
    const nowS = Date.now() / 1000;
    expect(res.json.expires_at).toBeGreaterThan(nowS + 86_400 - 30);
    expect(res.json.expires_at).toBeLessThan(nowS + 86_400 + 30);

    const { payload, protectedHeader } = await verifyElsewhere(res.json.token);
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'at+jwt', kid: expect.stringMatching(/^v\d+$/) });
    expect(payload).toMatchObject({ iss: issuer(), aud: audience(), sub: user.uid, key_id: key.id, key_type: 'server', exp: res.json.expires_at });
    expect(typeof payload.jti).toBe('string');
    expect(payload.iat).toBeLessThanOrEqual(Math.ceil(nowS) + 1);
    expect(payload.scope).toBeUndefined();
  });

  it('publishes the JWKS publicly cacheable, without any private part', async () => {
    const res = await api('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(res.json.keys.length).toBeGreaterThanOrEqual(1);
    for (const k of res.json.keys) {
      expect(k).toEqual({ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: expect.stringMatching(/^v\d+$/), alg: 'ES256', use: 'sig' });
    }
    expect((await api('/.well-known/jwks.json', { method: 'POST' })).status).toBe(405);
  });

  it('authenticates /v1 as access_token, by header and by ?token= on GET only', async () => {
    const { user, key } = await userWithKey({ name: 'me', scopes: [] });
    const token = await issueToken(key.key);
    const me = await api('/v1/me', { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(me.headers.get('cache-control')).toBe('no-store');
    expect(me.json).toMatchObject({ uid: user.uid, auth: { method: 'access_token', keyId: key.id, keyType: 'server', scopes: [] } });

    const byQuery = await api(`/v1/me?token=${token}`);
    expect(byQuery.status).toBe(200);
    expect(byQuery.json.auth.method).toBe('access_token');

    const postWithQuery = await api(`/v1/keys?token=${token}`, { method: 'POST', headers: json, body: JSON.stringify({ name: 'x' }) });
    expect(postWithQuery.status).toBe(400);
    expect(postWithQuery.json.error.code).toBe('credential_in_url');

    // One token at most, and only Keyward access tokens: an ID token does not belong in a URL.
    expect((await api(`/v1/me?token=${token}&token=${token}`)).json.error.code).toBe('multiple_credentials');
    const idTokenInUrl = await api(`/v1/me?token=${user.idToken}`);
    expect([idTokenInUrl.status, idTokenInUrl.json.error.code]).toEqual([401, 'invalid_credential']);
  });

  it('acts with the owner’s current permissions narrowed by the key’s scopes', async () => {
    const user = await createUser();
    await adminAuth().setCustomUserClaims(user.uid, { permissions: ['reports', 'billing'] });
    const key = await createKey(user, { name: 'scoped', scopes: ['reports'] });
    const token = await issueToken(key.key);
    expect((await verifyElsewhere(token)).payload.scope).toBe('reports');
    const me = await api('/v1/me', { headers: { authorization: `Bearer ${token}` } });
    expect(me.json.claims.permissions).toEqual(['reports']);
    // A narrower token on request; nothing beyond the key.
    const narrow = await issue({ api_key: key.key, scope: '' });
    expect(narrow.status).toBe(200);
    expect((await api('/v1/me', { headers: { authorization: `Bearer ${narrow.json.token}` } })).json.claims.permissions).toEqual([]);
    const beyond = await issue({ api_key: key.key, scope: 'billing' });
    expect(beyond.status).toBe(403);
    expect(beyond.json.error.code).toBe('insufficient_scope');
  });

  it('honours expires_in up to the key type’s lifetime', async () => {
    const { key } = await userWithKey({ name: 'short' });
    const res = await issue({ api_key: key.key, expires_in: 120 });
    expect(res.status).toBe(200);
    expect(res.json.expires_at - Date.now() / 1000).toBeLessThan(125);
    const bad = await issue({ api_key: key.key, expires_in: 'soon' });
    expect(bad.status).toBe(400);
  });

  it('refuses malformed keys, a second credential and odd bodies with the contract’s errors', async () => {
    const { user, key } = await userWithKey({ name: 'refusals' });
    const tampered = key.key.slice(0, -1) + (key.key.endsWith('A') ? 'B' : 'A');
    const cases: Array<[Parameters<typeof issue>, number, string]> = [
      [[{ api_key: tampered }], 401, 'invalid_credential'],
      [[{ api_key: 'not a key' }], 401, 'invalid_credential'],
      [[{ api_key: key.key }, { 'x-api-key': key.key }], 400, 'multiple_credentials'],
      [[{ api_key: key.key }, { authorization: `Bearer ${user.idToken}` }], 400, 'multiple_credentials'],
      [[{ api_key: key.key }, { cookie: '__session=abc' }], 400, 'multiple_credentials'],
      [[{ api_key: key.key, uid: 'someone' }], 400, 'invalid_request'],
      [[{}], 400, 'invalid_request'],
    ];
    for (const [args, status, code] of cases) {
      const res = await issue(...args);
      expect([status, res.json?.error?.code]).toEqual([status, code]);
      expect(res.text).not.toContain(key.key);
    }
    const form = await api('/v1/auth/issue', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `api_key=${key.key}` });
    expect(form.status).toBe(415);
    expect((await api('/v1/auth/issue')).status).toBe(405);
  });

  it('refuses a revoked key at issuance, and its tokens within the revocation bound', async () => {
    const { user, key } = await userWithKey({ name: 'revoke me' });
    const token = await issueToken(key.key);
    const bearer = { authorization: `Bearer ${token}` };
    expect((await api('/v1/me', { headers: bearer })).status).toBe(200);
    const revoked = await api(`/v1/keys/${key.id}`, { method: 'DELETE', headers: jsonHeaders(user.idToken) });
    expect(revoked.status).toBe(200);
    // Within the test stack's cache bound (KEYWARD_CACHE_TTL_MS, 1 s).
    const after = await eventually(() => api('/v1/me', { headers: bearer }), (r) => r.status !== 200, { timeoutMs: 2500 });
    expect(after.status).toBe(401);
    expect(after.json.error.code).toBe('revoked_credential');
    expect(after.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const again = await issue({ api_key: key.key });
    expect(again.status).toBe(401);
    expect(again.json.error.code).toBe('revoked_credential');
  });

  it('binds web keys to their origins at issuance and on every use of their tokens', async () => {
    const { key } = await userWithKey({ name: 'web', type: 'web', allowedOrigins: ['https://app.example.com'] });
    const noOrigin = await issue({ api_key: key.key });
    expect([noOrigin.status, noOrigin.json.error.code]).toEqual([403, 'origin_not_allowed']);
    const foreign = await issue({ api_key: key.key }, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    const res = await issue({ api_key: key.key }, { origin: 'https://app.example.com' });
    expect(res.status).toBe(200);
    expect(res.json.expires_at - Date.now() / 1000).toBeLessThanOrEqual(3600); // web tokens: 1 h
    expect(decodeProtectedHeader(res.json.token).alg).toBe('ES256');
    const bearer = { authorization: `Bearer ${res.json.token}` };
    expect((await api('/v1/me', { headers: { ...bearer, origin: 'https://app.example.com' } })).status).toBe(200);
    const elsewhere = await api('/v1/me', { headers: { ...bearer, origin: 'https://evil.example' } });
    expect([elsewhere.status, elsewhere.json.error.code]).toEqual([403, 'origin_not_allowed']);
    expect((await api('/v1/me', { headers: bearer })).status).toBe(403);
  });

  it('cannot manage keys with an access token, except revoking its own key', async () => {
    const { key } = await userWithKey({ name: 'manage' });
    const token = await issueToken(key.key);
    const bearer = { authorization: `Bearer ${token}` };
    const create = await api('/v1/keys', { method: 'POST', headers: { ...bearer, ...json }, body: JSON.stringify({ name: 'x' }) });
    expect([create.status, create.json.error.code]).toEqual([403, 'interactive_credential_required']);
    const self = await api(`/v1/keys/${key.id}`, { method: 'DELETE', headers: bearer });
    expect(self.status).toBe(200);
    expect(self.json.status).toBe('revoked');
  });
});
