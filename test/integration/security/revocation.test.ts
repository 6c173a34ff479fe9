// #13 items 5, 6, 7 and 9: revocation that sticks. Tokens stop with the secret that minted them,
// a revocation survives an audit outage, issuance sees a revocation made elsewhere, and signing
// out ends that session on the server.
import type { AuditEvent } from '../../../functions/src/audit/events';
import { memoryAuditSink } from '../../harness/memory';
import { api, createUser } from '../../harness/auth';
import { bearer, jsonHeaders } from '../../harness/keys';
import { me, sameOrigin, sessionFor, withCookie } from '../sessions/support';
import { issueToken } from '../tokens/support';
import { appWithAudit, createKey, eventually, fetchAt } from './support';

describe('tokens and the secret that minted them', () => {
  it('stops a token minted before a grace-0 regenerate', async () => {
    const user = await createUser();
    const key = await createKey(user, { name: 'leaked' });
    const before = await issueToken(key.key);
    expect((await api('/v1/me', { headers: bearer(before) })).status).toBe(200);
    const regenerated = await api(`/v1/keys/${key.id}/regenerate`, { method: 'POST', headers: jsonHeaders(user.idToken), body: '{"gracePeriod":0}' });
    expect(regenerated.status).toBe(200);
    // Within the cross-instance bound (1 s here), whichever emulator worker answers.
    expect(await eventually(async () => (await api('/v1/me', { headers: bearer(before) })).status === 401, 5000)).toBe(true);
    const refused = await api('/v1/me', { headers: bearer(before) });
    expect(refused.json.error.code).toBe('revoked_credential');
    // The new secret's tokens work.
    expect((await api('/v1/me', { headers: bearer(await issueToken(regenerated.json.key)) })).status).toBe(200);
  });
});

describe('a revocation is never undone', () => {
  it('stands when the audit log cannot be written, and the failure is logged for operators', async () => {
    const sink = memoryAuditSink();
    const record = sink.record.bind(sink);
    sink.record = async (e: AuditEvent) => (e.event === 'key.revoke' ? Promise.reject(new Error('Cloud Logging is down')) : record(e));
    const app = await appWithAudit({}, sink);
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const user = await createUser();
      const created = await fetchAt(`${app.url}/v1/keys`, { method: 'POST', headers: jsonHeaders(user.idToken), body: '{"name":"leaked"}' });
      const key = created.json;
      const res = await fetchAt(`${app.url}/v1/keys/${key.id}`, { method: 'DELETE', headers: bearer(user.idToken) });
      expect([res.status, res.json.status]).toEqual([200, 'revoked']);
      expect((await fetchAt(`${app.url}/v1/me`, { headers: { 'x-api-key': key.key } })).json.error.code).toBe('revoked_credential');
      // Read back from Firestore, not from this instance's cache.
      expect((await app.services.keyStore.get(key.id))!.revokedAt).not.toBeNull();
      const logged = errors.mock.calls.map((c) => String(c[0]));
      expect(logged.some((line) => line.includes('key.revoke') && line.includes(key.id))).toBe(true);
      expect(logged.join('\n')).not.toContain(key.key);
    } finally {
      errors.mockRestore();
      await app.close();
    }
  });
});

describe('issuance reads the key fresh', () => {
  it('refuses a token for a key revoked a moment ago on another instance', async () => {
    const a = await appWithAudit({ KEYWARD_CACHE_TTL_MS: '10000' });
    const b = await appWithAudit({ KEYWARD_CACHE_TTL_MS: '10000' });
    try {
      const user = await createUser();
      const key = (await fetchAt(`${a.url}/v1/keys`, { method: 'POST', headers: jsonHeaders(user.idToken), body: '{"name":"k"}' })).json;
      await issueToken(key.key, {}, b.url); // b has the record cached now, for 10 s
      expect((await fetchAt(`${a.url}/v1/keys/${key.id}`, { method: 'DELETE', headers: bearer(user.idToken) })).status).toBe(200);
      const res = await fetchAt(`${b.url}/v1/auth/issue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api_key: key.key }) });
      expect([res.status, res.json.error?.code]).toEqual([401, 'revoked_credential']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('signing out ends that session on the server', () => {
  it('refuses the signed-out cookie at once, through Hosting, while another session of the user goes on', async () => {
    const user = await createUser();
    const cookie = await sessionFor(user);
    const other = await sessionFor(user, 3600); // another browser: a different cookie
    expect((await me(cookie)).status).toBe(200);
    const out = await api('/v1/auth/session', { method: 'DELETE', headers: withCookie(cookie, sameOrigin()) });
    expect(out.status).toBe(204);
    // Emulator workers are separate instances: at once on the one that signed out, within the bound elsewhere.
    expect(await eventually(async () => (await me(cookie)).status === 401, 5000)).toBe(true);
    expect((await me(cookie)).json.error.code).toBe('revoked_credential');
    expect((await me(other)).status).toBe(200);
  });

  it('is refused at once on the instance that signed out, and within the cache bound on another', async () => {
    const a = await appWithAudit({ KEYWARD_CACHE_TTL_MS: '1000' });
    const b = await appWithAudit({ KEYWARD_CACHE_TTL_MS: '1000' });
    try {
      const user = await createUser();
      const cookie = await sessionFor(user);
      const meAt = (url: string) => fetchAt(`${url}/v1/me`, { headers: { cookie: `__session=${cookie}` } });
      expect((await meAt(b.url)).status).toBe(200); // b remembers "not signed out" for up to 1 s
      const out = await fetchAt(`${a.url}/v1/auth/session`, { method: 'DELETE', headers: { cookie: `__session=${cookie}`, origin: a.url, 'sec-fetch-site': 'same-origin' } });
      expect(out.status).toBe(204);
      expect((await meAt(a.url)).status).toBe(401);
      const started = Date.now();
      expect(await eventually(async () => (await meAt(b.url)).status === 401, 5000, 50)).toBe(true);
      expect(Date.now() - started).toBeLessThan(2500);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
