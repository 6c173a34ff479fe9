import { api, createUser, signIn } from '../../harness/auth';
import { adminAuth } from '../../harness/admin';
import { createKey, jsonHeaders, bearer } from '../../harness/keys';
import { eventually } from '../../harness/eventually';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('API keys: create and use', () => {
  it('creates a key, shown once, that authenticates in every header form', async () => {
    const user = await createUser();
    const res = await api('/v1/keys', { method: 'POST', headers: jsonHeaders(user.idToken), body: JSON.stringify({ name: 'ci' }) });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const created = res.json;
    expect(created.key).toMatch(new RegExp(`^server_${created.id}_[A-Za-z0-9]{38}$`));
    expect(created.signingSecret).toMatch(/^kws_/);
    expect(created.status).toBe('active');
    const days = (Date.parse(created.expiresAt) - Date.parse(created.createdAt)) / 86_400_000;
    expect(Math.round(days)).toBe(180);

    const secret = created.key.split('_')[2];
    const forms: Record<string, string>[] = [
      { authorization: `ApiKey ${created.key}` },
      { 'x-api-key': created.key },
      { authorization: `Bearer ${created.key}` },
      { authorization: `ApiKey ${b64(`${created.id}:${secret}`)}` },
      { 'x-api-key': b64(created.id), 'x-api-secret': b64(secret) },
    ];
    for (const headers of forms) {
      const me = await api('/v1/me', { headers });
      expect(me.status).toBe(200);
      expect(me.json).toMatchObject({ uid: user.uid, auth: { method: 'api_key', keyId: created.id } });
      expect(me.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('lists and reads keys newest first, without any secret', async () => {
    const user = await createUser();
    const first = await createKey(user, { name: 'first' });
    const second = await createKey(user, { name: 'second', type: 'mobile', scopes: [] });
    const list = await api('/v1/keys', { headers: bearer(user.idToken) });
    expect(list.status).toBe(200);
    expect(list.json.keys.map((k: { id: string }) => k.id)).toEqual([second.id, first.id]);
    for (const secretish of [first.key, second.key, first.signingSecret, first.key.split('_')[2]]) {
      expect(list.text).not.toContain(secretish);
    }
    const one = await api(`/v1/keys/${first.id}`, { headers: bearer(user.idToken) });
    expect(one.json).toMatchObject({ id: first.id, name: 'first', type: 'server', status: 'active', lastUsedAt: null });
    expect(one.text).not.toContain(first.key);
  });

  it('records lastUsedAt after a use', async () => {
    const user = await createUser();
    const key = await createKey(user);
    await api('/v1/me', { headers: { 'x-api-key': key.key } });
    // The use is written at most once a minute per key, and asynchronously.
    const lastUsedAt = await eventually(async () => (await api(`/v1/keys/${key.id}`, { headers: bearer(user.idToken) })).json.lastUsedAt as string | null, Boolean, { timeoutMs: 4000 });
    expect(lastUsedAt).not.toBeNull();
  });

  it('regenerates a key: same id, new secret, the old one works until the grace period ends', async () => {
    const user = await createUser();
    const key = await createKey(user);
    const res = await api(`/v1/keys/${key.id}/regenerate`, {
      method: 'POST',
      headers: jsonHeaders(user.idToken),
      body: JSON.stringify({ gracePeriod: 3 }),
    });
    expect(res.status).toBe(200);
    expect(res.json.id).toBe(key.id);
    expect(res.json.key).not.toBe(key.key);
    expect(res.json.signingSecret).not.toBe(key.signingSecret);
    expect((await api('/v1/me', { headers: { 'x-api-key': res.json.key } })).status).toBe(200);
    expect((await api('/v1/me', { headers: { 'x-api-key': key.key } })).status).toBe(200);
    // Refused once the 3 s grace period (and the 1 s cache bound of the test stack) is over.
    const ended = await eventually(() => api('/v1/me', { headers: { 'x-api-key': key.key } }), (r) => r.status !== 200, { timeoutMs: 5000 });
    expect(ended.status).toBe(401);
    expect((await api('/v1/me', { headers: { 'x-api-key': res.json.key } })).status).toBe(200);
  });

  it('regenerating without a grace period refuses the old secret at once', async () => {
    const user = await createUser();
    const key = await createKey(user);
    const res = await api(`/v1/keys/${key.id}/regenerate`, { method: 'POST', headers: jsonHeaders(user.idToken), body: '{}' });
    expect(res.status).toBe(200);
    expect((await api('/v1/me', { headers: { 'x-api-key': key.key } })).status).toBe(401);
  });

  it('acts with the owner current permissions narrowed by its scopes', async () => {
    const user = await createUser();
    await adminAuth().setCustomUserClaims(user.uid, { permissions: ['read', 'write'] });
    const fresh = await signIn(user.email, user.password);
    const key = await createKey(fresh, { name: 'scoped', scopes: ['read'] });
    const me = await api('/v1/me', { headers: { 'x-api-key': key.key } });
    expect(me.json.claims.permissions).toEqual(['read']);
    // The owner loses the permission: the key loses it too (within the cache bound).
    await adminAuth().setCustomUserClaims(user.uid, { permissions: ['write'] });
    const after = await eventually(() => api('/v1/me', { headers: { 'x-api-key': key.key } }), (r) => r.json.claims.permissions.length === 0, { timeoutMs: 2500 });
    expect(after.json.claims.permissions).toEqual([]);
  });

  it('lets a server key whose owner may delegate act on behalf of another user', async () => {
    const owner = await createUser();
    const other = await createUser();
    await adminAuth().setCustomUserClaims(owner.uid, { permissions: ['delegate'] });
    const fresh = await signIn(owner.email, owner.password);
    const key = await createKey(fresh);
    const me = await api('/v1/me', { headers: { 'x-api-key': key.key, 'on-behalf-of': other.uid } });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ uid: other.uid, auth: { method: 'api_key', actor: owner.uid, keyId: key.id } });
  });
});
