// Every event of the contract that Keyward emits, read back through GET /v1/audit (Hosting) and
// checked against the request that caused it (the X-Request-Id of its response).
import { decodeJwt } from 'jose';
import { cloudLoggingAudit } from '../../../functions/src/audit/cloud-logging';
import { loadConfig } from '../../../functions/src/config';
import { formatKey, newKeyId, newSecret } from '../../../functions/src/keys/format';
import { changeClaims } from '../../../scripts/admin';
import { adminAuth } from '../../harness/admin';
import { api, createUser } from '../../harness/auth';
import { createKey, jsonHeaders } from '../../harness/keys';
import { audit, auditUntil, bearer, callable, sessionCookie, site, withRequestId, withRole, type AuditEntry } from './support';

const UA = 'keyward-audit-tests/1.0';
const byRequest = (entries: AuditEntry[], id: string | null) => entries.filter((e) => e.request.requestId === id);

describe('audit events', () => {
  it('key.create, key.regenerate and key.revoke: who, on what, from where, before the response', async () => {
    const user = await createUser();
    const headers = { ...jsonHeaders(user.idToken), 'user-agent': UA };
    const created = await api('/v1/keys', { method: 'POST', headers, body: JSON.stringify({ name: 'audited' }) });
    expect(created.status).toBe(201);
    const keyId = created.json.id as string;
    const regenerated = await api(`/v1/keys/${keyId}/regenerate`, { method: 'POST', headers, body: JSON.stringify({ gracePeriod: 5 }) });
    const revoked = await api(`/v1/keys/${keyId}`, { method: 'DELETE', headers });
    expect([regenerated.status, revoked.status]).toEqual([200, 200]);

    // Lifecycle entries are written before the response: no waiting needed.
    const res = await audit(bearer(user.idToken), { keyId });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const entries = res.json.entries as AuditEntry[];
    const lifecycle = entries.filter((e) => e.event.startsWith('key.'));
    expect(lifecycle.map((e) => e.event)).toEqual(['key.revoke', 'key.regenerate', 'key.create']); // newest first
    const actor = { uid: user.uid, method: 'id_token' };
    const target = { uid: user.uid, keyId };
    expect(lifecycle[2]).toEqual({
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      severity: 'INFO',
      event: 'key.create',
      outcome: 'success',
      actor,
      target,
      request: { ip: expect.any(String), userAgent: UA, method: 'POST', path: '/v1/keys', requestId: created.headers.get('x-request-id') },
      // Its place in the chain of the instance that wrote it (docs/audit.md#chain).
      chain: { id: expect.stringMatching(/^[0-9a-f]{16}$/), seq: expect.any(Number), hash: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) },
    });
    expect(lifecycle[1]).toMatchObject({ event: 'key.regenerate', actor, target, reason: 'grace period 5s', request: { method: 'POST', path: `/v1/keys/${keyId}/regenerate`, requestId: regenerated.headers.get('x-request-id') } });
    expect(lifecycle[0]).toMatchObject({ event: 'key.revoke', actor, target, request: { method: 'DELETE', path: `/v1/keys/${keyId}`, requestId: revoked.headers.get('x-request-id') } });
    // The client address (empty under the Functions emulator, which sets no X-Forwarded-For).
    expect(typeof lifecycle[0]!.request.ip).toBe('string');
  });

  it('key.revoke by the key itself names the key as the actor', async () => {
    const user = await createUser();
    const key = await createKey(user);
    const res = await api(`/v1/keys/${key.id}`, { method: 'DELETE', headers: { 'x-api-key': key.key } });
    expect(res.status).toBe(200);
    const entries = await audit(bearer(user.idToken), { event: 'key.revoke' });
    expect(entries.json.entries).toEqual([expect.objectContaining({ actor: { uid: user.uid, method: 'api_key', keyId: key.id }, target: { uid: user.uid, keyId: key.id } })]);
  });

  it('auth.success for every authenticated request, with its credential kind', async () => {
    const user = await createUser();
    const key = await createKey(user);
    const cookie = await sessionCookie(user);
    const calls = {
      id_token: await api('/v1/me', { headers: bearer(user.idToken) }),
      api_key: await api('/v1/me', { headers: { authorization: `ApiKey ${key.key}` } }),
      session: await api('/v1/me', { headers: { cookie: `__session=${cookie}` } }),
    };
    for (const res of Object.values(calls)) expect(res.status).toBe(200);
    const last = calls.session.headers.get('x-request-id');
    const entries = await auditUntil(bearer(user.idToken), { event: 'auth.success' }, (es) => Object.values(calls).every((c) => withRequestId(c.headers.get('x-request-id'))(es)));
    for (const [method, res] of Object.entries(calls)) {
      const [entry] = byRequest(entries, res.headers.get('x-request-id'));
      expect(entry).toMatchObject({ event: 'auth.success', outcome: 'success', severity: 'INFO', actor: { uid: user.uid, method }, request: { method: 'GET', path: '/v1/me' } });
      if (method === 'api_key') expect(entry!.actor.keyId).toBe(key.id);
    }
    expect(last).toBeTruthy();
  });

  it('auth.failure with its reason, never the credential; readable by an auditor', async () => {
    const auditor = await withRole(await createUser(), { auditor: true });
    const user = await createUser();
    const revokedKey = await createKey(user);
    await api(`/v1/keys/${revokedKey.id}`, { method: 'DELETE', headers: bearer(user.idToken) });
    const keyId = newKeyId();
    const unknownKey = formatKey({ type: 'server', keyId, secret: newSecret('server', keyId) });
    const refused = {
      invalid_credential: await api('/v1/me', { headers: { 'x-api-key': unknownKey } }),
      revoked_credential: await api('/v1/me', { headers: { 'x-api-key': revokedKey.key } }),
      unauthenticated: await api('/v1/me'),
      multiple_credentials: await api('/v1/me', { headers: { ...bearer(user.idToken), 'x-api-key': revokedKey.key } }),
    };
    for (const [reason, res] of Object.entries(refused)) expect({ reason, code: res.json.error.code }).toEqual({ reason, code: reason });
    const entries = await auditUntil(bearer(auditor.idToken), { event: 'auth.failure' }, (es) => Object.values(refused).every((r) => withRequestId(r.headers.get('x-request-id'))(es)));
    for (const [reason, res] of Object.entries(refused)) {
      expect(byRequest(entries, res.headers.get('x-request-id'))).toEqual([expect.objectContaining({ event: 'auth.failure', outcome: 'failure', severity: 'WARNING', reason })]);
    }
    const text = JSON.stringify(entries);
    for (const secret of [unknownKey, revokedKey.key, unknownKey.split('_')[2]!, revokedKey.key.split('_')[2]!, user.idToken]) expect(text).not.toContain(secret);
  });

  it('session.create and session.revoke', async () => {
    const user = await createUser();
    const cookie = await sessionCookie(user);
    const out = await api('/v1/auth/session', { method: 'DELETE', headers: { cookie: `__session=${cookie}`, origin: site(), 'sec-fetch-site': 'same-origin' } });
    expect(out.status).toBe(204);
    const entries = await auditUntil(bearer(user.idToken), {}, (es) => es.some((e) => e.event === 'session.revoke'));
    expect(entries.filter((e) => e.event.startsWith('session.')).map((e) => [e.event, e.outcome, e.actor.uid, e.target.uid])).toEqual([
      ['session.revoke', 'success', user.uid, user.uid],
      ['session.create', 'success', user.uid, user.uid],
    ]);
  });

  it('token.issue, and the access token it issued authenticating as access_token', async () => {
    const user = await createUser();
    const key = await createKey(user);
    const issued = await api('/v1/auth/issue', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api_key: key.key }) });
    expect(issued.status).toBe(200);
    const res = await audit(bearer(user.idToken), { event: 'token.issue' });
    expect(res.json.entries).toEqual([
      expect.objectContaining({
        outcome: 'success',
        actor: { uid: user.uid, method: 'api_key', keyId: key.id },
        // The token's jti: the trail names the very token.
        target: { uid: user.uid, keyId: key.id, tokenId: decodeJwt(issued.json.token).jti },
        request: expect.objectContaining({ method: 'POST', path: '/v1/auth/issue', requestId: issued.headers.get('x-request-id') }),
      }),
    ]);
    const used = await api('/v1/me', { headers: bearer(issued.json.token) });
    expect(used.status).toBe(200);
    const entries = await auditUntil(bearer(user.idToken), { event: 'auth.success' }, withRequestId(used.headers.get('x-request-id')));
    expect(byRequest(entries, used.headers.get('x-request-id'))).toEqual([expect.objectContaining({ actor: { uid: user.uid, method: 'access_token', keyId: key.id } })]);
    expect(JSON.stringify(res.json)).not.toContain(issued.json.token);
  });

  it('role.grant, written by the admin CLI with a sink made outside the functions runtime', async () => {
    const user = await createUser();
    const sink = cloudLoggingAudit(loadConfig(process.env), process.env);
    try {
      const message = await changeClaims(adminAuth(), sink, { change: 'grant', name: 'reports:read', email: user.email, projectId: process.env.GOOGLE_CLOUD_PROJECT! });
      expect(message).toContain(user.uid);
    } finally {
      await sink.close();
    }
    const fresh = await withRole(user, { permissions: ['reports:read'] });
    const res = await audit(bearer(fresh.idToken), { event: 'role.grant' });
    expect(res.json.entries).toEqual([
      expect.objectContaining({ event: 'role.grant', outcome: 'success', actor: { method: 'admin_cli' }, target: { uid: user.uid, role: 'reports:read' }, reason: 'grant', request: {} }),
    ]);
  });

  it('the queryAuditLog callable is audited like any request', async () => {
    const user = await createUser();
    const first = await callable('queryAuditLog', user.idToken, {});
    expect(first.status).toBe(200);
    // A callable is served at its function's own URL: its path is not under /v1.
    const viaCallable = (e: AuditEntry) => e.request.method === 'POST' && !e.request.path?.startsWith('/v1/');
    const entries = await auditUntil(bearer(user.idToken), { event: 'auth.success' }, (es) => es.some(viaCallable));
    expect(entries.filter(viaCallable)).toEqual([expect.objectContaining({ actor: { uid: user.uid, method: 'id_token' }, outcome: 'success' })]);
  });
});
