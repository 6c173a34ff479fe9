// The console's callable functions through Hosting (`/v1/rpc/<name>`), carried by the session
// cookie: the callable protocol, the same cross-site rule as the REST API, one credential only.
import { api, createUser, type ApiResponse } from '../../harness/auth';
import { eventually } from '../../harness/eventually';
import { bearer } from '../../harness/keys';
import { sameOrigin, sessionFor, withCookie } from './support';

const EVIL = 'https://evil.example';

interface CallableError {
  status: string;
  message: string;
  details?: { code?: string };
}

/** POST /v1/rpc/<name> `{"data": …}` as the console sends it, with the given headers. */
function rpc(name: string, data: unknown, headers: Record<string, string>): Promise<ApiResponse> {
  return api(`/v1/rpc/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ data }) });
}

/** What the console sends: the cookie, from our own pages. */
const fromConsole = (cookie: string) => withCookie(cookie, sameOrigin());

function expectCallableError(res: ApiResponse, httpStatus: number, status: string, code: string): CallableError {
  expect({ http: res.status, status: res.json?.error?.status, code: res.json?.error?.details?.code }).toEqual({ http: httpStatus, status, code });
  const error = res.json.error as CallableError;
  expect(typeof error.message).toBe('string');
  expect(res.json.result).toBeUndefined();
  return error;
}

describe('callables through Hosting with the session cookie', () => {
  it('manage keys and read the audit log from our own pages, as the session', async () => {
    const user = await createUser();
    const cookie = await sessionFor(user);

    const created = await rpc('createApiKey', { name: 'console key' }, fromConsole(cookie));
    expect(created.status).toBe(200);
    expect(created.headers.get('cache-control')).toContain('no-store');
    const key = created.json.result;
    expect(key).toMatchObject({ name: 'console key', type: 'server', status: 'active', scopes: null });
    expect(key.key).toMatch(/^server_[A-Za-z0-9]{16}_[A-Za-z0-9]+$/);
    expect(key.signingSecret).toMatch(/^kws_/);
    const me = await api('/v1/me', { headers: { authorization: `ApiKey ${key.key}` } });
    expect(me.json).toMatchObject({ uid: user.uid, auth: { method: 'api_key', keyId: key.id } });

    const listed = await rpc('listApiKeys', {}, fromConsole(cookie));
    expect(listed.status).toBe(200);
    expect(listed.json.result.keys.map((k: { id: string }) => k.id)).toEqual([key.id]);
    expect(JSON.stringify(listed.json)).not.toContain(key.key);

    const regenerated = await rpc('regenerateApiKey', { id: key.id, gracePeriod: 60 }, fromConsole(cookie));
    expect(regenerated.status).toBe(200);
    expect(regenerated.json.result).toMatchObject({ id: key.id, status: 'active' });
    expect(regenerated.json.result.key).not.toBe(key.key);

    const revoked = await rpc('revokeApiKey', { id: key.id }, fromConsole(cookie));
    expect(revoked.status).toBe(200);
    expect(revoked.json.result).toMatchObject({ id: key.id, status: 'revoked' });

    // The audit log names the session as the actor, and the callable by its name (its audit path).
    const entries = await eventually(async () => {
      const res = await rpc('queryAuditLog', { event: 'auth.success', pageSize: 100 }, fromConsole(cookie));
      expect(res.status).toBe(200);
      return (res.json.result.entries as { request: { path?: string } }[]).filter((e) => e.request.path === 'createApiKey');
    }, (found) => found.length > 0);
    expect(entries[0]).toMatchObject({ actor: { uid: user.uid, method: 'session' }, outcome: 'success', request: { method: 'POST' } });
    const keyEvents = await rpc('queryAuditLog', { keyId: key.id }, fromConsole(cookie));
    expect(keyEvents.json.result.entries.map((e: { event: string }) => e.event)).toEqual(expect.arrayContaining(['key.create', 'key.regenerate', 'key.revoke']));
  });

  it('refuses the cookie from a foreign page, or from a client that says nothing of where it comes from', async () => {
    const user = await createUser();
    const cookie = await sessionFor(user);
    const attempts: Record<string, string>[] = [
      { origin: EVIL },
      { origin: EVIL, 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'cross-site' },
      { origin: 'null' },
      {},
    ];
    for (const headers of attempts) {
      for (const [name, data] of [
        ['createApiKey', { name: 'csrf' }],
        ['listApiKeys', {}],
        ['queryAuditLog', {}],
      ] as const) {
        expectCallableError(await rpc(name, data, withCookie(cookie, headers)), 403, 'PERMISSION_DENIED', 'cross_site_request');
      }
    }
    // Nothing was created; from our own pages the same cookie works.
    expect((await api('/v1/keys', { headers: bearer(user.idToken) })).json.keys).toEqual([]);
    expect((await rpc('listApiKeys', {}, fromConsole(cookie))).status).toBe(200);
  });

  it('refuses a call with no credential, a bad cookie, or two credentials', async () => {
    const user = await createUser();
    const cookie = await sessionFor(user);

    expectCallableError(await rpc('listApiKeys', {}, sameOrigin()), 401, 'UNAUTHENTICATED', 'unauthenticated');
    expectCallableError(await rpc('createApiKey', { name: 'x' }, sameOrigin()), 401, 'UNAUTHENTICATED', 'unauthenticated');
    expectCallableError(await rpc('listApiKeys', {}, withCookie(`${cookie}x`, sameOrigin())), 401, 'UNAUTHENTICATED', 'invalid_credential');

    // A cookie and an ID token at once: a 400, never a guess (whichever would be valid).
    const both = await rpc('createApiKey', { name: 'two' }, { ...fromConsole(cookie), ...bearer(user.idToken) });
    expectCallableError(both, 400, 'INVALID_ARGUMENT', 'multiple_credentials');
    // An API key is no credential for a callable, with or without the cookie.
    const { json: made } = await rpc('createApiKey', { name: 'k' }, fromConsole(cookie));
    expectCallableError(await rpc('listApiKeys', {}, { ...sameOrigin(), 'x-api-key': made.result.key }), 401, 'UNAUTHENTICATED', 'unauthenticated');
    expectCallableError(await rpc('listApiKeys', {}, { ...fromConsole(cookie), 'x-api-key': made.result.key }), 400, 'INVALID_ARGUMENT', 'multiple_credentials');
    expect((await api('/v1/keys', { headers: bearer(user.idToken) })).json.keys.map((k: { name: string }) => k.name)).toEqual(['k']);

    // The ID token alone still works through Hosting, as the Firebase SDK sends it.
    expect((await rpc('listApiKeys', {}, bearer(user.idToken))).status).toBe(200);
  });

  it('answers errors in the callable shape, with the API message and code', async () => {
    const user = await createUser();
    const cookie = await sessionFor(user);

    const web = expectCallableError(await rpc('createApiKey', { name: 'site', type: 'web' }, fromConsole(cookie)), 400, 'INVALID_ARGUMENT', 'invalid_request');
    expect(web.message).toBe('A web key needs at least one allowed origin.');
    expectCallableError(await rpc('revokeApiKey', { id: 'A'.repeat(16) }, fromConsole(cookie)), 404, 'NOT_FOUND', 'not_found');
    expectCallableError(await rpc('revokeApiKey', {}, fromConsole(cookie)), 400, 'INVALID_ARGUMENT', 'invalid_request');
    expectCallableError(await rpc('queryAuditLog', { everyone: true }, fromConsole(cookie)), 400, 'INVALID_ARGUMENT', 'invalid_request');
    expectCallableError(await rpc('queryAuditLog', { uid: 'someone-else' }, fromConsole(cookie)), 403, 'PERMISSION_DENIED', 'forbidden');

    // After signing out everywhere the cookie is refused at once, as on /v1.
    const out = await api('/v1/auth/session?all=true', { method: 'DELETE', headers: fromConsole(cookie) });
    expect(out.status).toBe(204);
    expectCallableError(await rpc('listApiKeys', {}, fromConsole(cookie)), 401, 'UNAUTHENTICATED', 'revoked_credential');
  });
});
