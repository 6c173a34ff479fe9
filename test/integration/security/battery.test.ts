// The shared security battery: every endpoint the app registers (http/endpoint.ts keeps the list)
// runs the same checks. A new endpoint is not covered until it has a row in ENDPOINTS below, and
// the first test fails until it does: no endpoint can skip the battery.
//
// For each endpoint: no credential; each credential kind (allowed ones get through, the others
// are refused); another user's resource (404); a cross-site cookie request (403); malformed
// bodies (400/415). Never a 5xx, every error in the contract's shape; on `/oauth/*`, in OAuth's
// (`{"error", "error_description"}`, RFC 6749 §5.2), where our own credentials are not clients.
import { signRequest } from '../../../client/src';
import { buildApp } from '../../../functions/src/app';
import type { RegisteredRoute } from '../../../functions/src/http/endpoint';
import { createUser, type TestUser } from '../../harness/auth';
import { jsonHeaders, type CreatedKey } from '../../harness/keys';
import { sessionFor } from '../sessions/support';
import { issueToken } from '../tokens/support';
import { appWithAudit, fetchAt } from './support';

type Kind = 'session' | 'id_token' | 'api_key' | 'access_token' | 'signature';
const ALL: Kind[] = ['session', 'id_token', 'api_key', 'access_token', 'signature'];
const INTERACTIVE: Kind[] = ['session', 'id_token'];

interface EndpointRules {
  /**
   * `pipeline`: authenticated by the pipeline; `body`: the credential is in the body; `none`: public;
   * `optional`: works without one; `webhook`: a third party's signature over the raw body, checked first (401 without it);
   * `oauth`: an OAuth client (a key's client credentials), or for `kinds` the pipeline's credential; anything else 401 `invalid_client`.
   */
  auth: 'pipeline' | 'body' | 'none' | 'optional' | 'webhook' | 'oauth';
  /** Credential kinds that get through (pipeline endpoints). */
  kinds?: Kind[];
  /** A body that is valid for the endpoint (JSON; a form on `oauth` endpoints). */
  body?: Record<string, unknown> | (() => URLSearchParams);
  /** The `:id` is a key: another user's answers 404. */
  ownsKey?: boolean;
  /** A request ends the credential it carries (sign-out): use a fresh one each time. */
  consumes?: boolean;
  /** A cookie never authenticates here: sent along, it is a second credential (400). */
  cookieless?: boolean;
  /** Needs the auditor role: a credential that gets through answers exactly 403 `forbidden`. */
  auditorOnly?: boolean;
}

const ENDPOINTS: Record<string, EndpointRules> = {
  'GET /v1/health': { auth: 'none' },
  'GET /.well-known/jwks.json': { auth: 'none' },
  'GET /v1/me': { auth: 'pipeline', kinds: ALL },
  'GET /v1/audit': { auth: 'pipeline', kinds: ALL },
  // Auditors only: the battery's owner is not one, so every kind that gets through is answered 403 forbidden (below).
  'GET /v1/audit/verify': { auth: 'pipeline', kinds: ALL, auditorOnly: true },
  'GET /v1/audit/export': { auth: 'pipeline', kinds: ALL, auditorOnly: true },
  'GET /.well-known/audit-jwks.json': { auth: 'none' },
  'GET /v1/keys': { auth: 'pipeline', kinds: INTERACTIVE },
  'POST /v1/keys': { auth: 'pipeline', kinds: INTERACTIVE, body: { name: 'battery' } },
  'GET /v1/keys/:id': { auth: 'pipeline', kinds: INTERACTIVE, ownsKey: true },
  'DELETE /v1/keys/:id': { auth: 'pipeline', kinds: INTERACTIVE, ownsKey: true },
  'POST /v1/keys/:id/regenerate': { auth: 'pipeline', kinds: INTERACTIVE, ownsKey: true, body: {} },
  'POST /v1/auth/session': { auth: 'body' },
  'DELETE /v1/auth/session': { auth: 'optional', consumes: true },
  'POST /v1/auth/issue': { auth: 'body', cookieless: true },
  'GET /.well-known/openid-configuration': { auth: 'none' },
  'GET /.well-known/oauth-authorization-server': { auth: 'none' },
  'GET /v1/usage': { auth: 'pipeline', kinds: INTERACTIVE },
  'PATCH /v1/keys/:id': { auth: 'pipeline', kinds: INTERACTIVE, ownsKey: true, body: { name: 'renamed' } },
  'GET /v1/notifications/webhook': { auth: 'pipeline', kinds: INTERACTIVE },
  'PUT /v1/notifications/webhook': { auth: 'pipeline', kinds: INTERACTIVE, body: { url: 'https://hooks.example.com/keyward' } },
  'DELETE /v1/notifications/webhook': { auth: 'pipeline', kinds: INTERACTIVE },
  'POST /v1/secret-scanning/github': { auth: 'webhook' },
  'POST /oauth/token': { auth: 'oauth', kinds: [], body: () => new URLSearchParams({ grant_type: 'client_credentials' }) },
  // Introspection takes a server key, as client credentials or as any key credential of the pipeline.
  'POST /oauth/introspect': { auth: 'oauth', kinds: ['api_key', 'signature'], body: () => new URLSearchParams({ token }) },
  'GET /v1/me/limits': { auth: 'pipeline', kinds: ALL },
  'PATCH /v1/me/limits': { auth: 'pipeline', kinds: INTERACTIVE, body: { limits: { requestsPerDay: 1_000_000 } } },
};

const hasBody = (method: string) => method !== 'GET';
const key = (r: RegisteredRoute) => `${r.method} ${r.path}`;
/** The endpoint's valid body, as sent: JSON, or a form on `/oauth/*`. */
const bodyOf = (route: RegisteredRoute): string | undefined => {
  if (!hasBody(route.method)) return undefined;
  const body = ENDPOINTS[key(route)]!.body ?? {};
  return typeof body === 'function' ? body().toString() : JSON.stringify(body);
};
const isOAuth = (route: RegisteredRoute) => route.errors === 'oauth';
/** The Content-Type a body is sent with (and signed with, for a signed request). */
const typeOf = (route: RegisteredRoute) => (isOAuth(route) ? 'application/x-www-form-urlencoded' : 'application/json');

let app: Awaited<ReturnType<typeof appWithAudit>>;
let routes: readonly RegisteredRoute[];
let owner: TestUser;
let stranger: TestUser;
let ownerKey: CreatedKey;
let strangerKey: CreatedKey;
let cookie: string;
let token: string;

const create = async (user: TestUser, name = 'battery'): Promise<CreatedKey> => {
  const res = await fetchAt(`${app.url}/v1/keys`, { method: 'POST', headers: jsonHeaders(user.idToken), body: JSON.stringify({ name }) });
  if (res.status !== 201) throw new Error(`create key: ${res.status} ${res.text}`);
  return res.json as CreatedKey;
};

beforeAll(async () => {
  app = await appWithAudit();
  routes = buildApp(app.services).locals.routes as readonly RegisteredRoute[];
  [owner, stranger] = await Promise.all([createUser(), createUser()]);
  ownerKey = await create(owner, 'battery caller');
  strangerKey = await create(stranger, 'stranger');
  cookie = await sessionFor(owner);
  token = await issueToken(ownerKey.key, {}, app.url);
}, 60_000);
afterAll(() => app.close());

/** The path with `:id` filled: a key of the caller's (a fresh one when the request may change it), or the given one. */
async function pathFor(route: RegisteredRoute, id?: string): Promise<string> {
  if (!route.path.includes(':id')) return route.path;
  const keyId = id ?? (await create(owner)).id;
  return route.path.replace(':id', keyId);
}

async function credential(kind: Kind, route: RegisteredRoute, url: string, body: string | undefined, fresh: boolean): Promise<Record<string, string>> {
  const { method } = route;
  const sameOrigin = { origin: app.url, 'sec-fetch-site': 'same-origin' };
  switch (kind) {
    case 'session':
      return { cookie: `__session=${fresh ? await sessionFor(owner, 3600 + Math.floor(Math.random() * 100000)) : cookie}`, ...sameOrigin };
    case 'id_token':
      return { authorization: `Bearer ${owner.idToken}` };
    case 'api_key':
      return { 'x-api-key': ownerKey.key };
    case 'access_token':
      return { authorization: `Bearer ${token}` };
    case 'signature':
      return signRequest({ keyId: ownerKey.id, signingSecret: ownerKey.signingSecret }, { method, url, body, contentType: body === undefined ? undefined : typeOf(route) });
  }
}

async function send(route: RegisteredRoute, path: string, headers: Record<string, string>, body?: string) {
  const { method } = route;
  const res = await fetchAt(`${app.url}${path}`, { method, headers: body === undefined ? headers : { 'content-type': typeOf(route), ...headers }, body });
  // Whatever the request, never a fault, always the endpoint's error shape, always a request id.
  expect([method, path, res.status < 500 ? 'no fault' : res.text]).toEqual([method, path, 'no fault']);
  expect(res.headers.get('x-request-id')).toBeTruthy();
  if (res.status >= 400 && isOAuth(route)) expect(res.json).toEqual({ error: expect.stringMatching(/^[a-z_]+$/), error_description: expect.any(String) });
  else if (res.status >= 400) expect(res.json).toEqual({ error: { code: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String) } });
  return res;
}

describe('the shared security battery', () => {
  it('knows every registered endpoint, and only those', () => {
    expect(routes.map(key).sort()).toEqual(Object.keys(ENDPOINTS).sort());
  });

  it('answers a request without a credential as the endpoint declares', async () => {
    for (const route of routes) {
      const rules = ENDPOINTS[key(route)]!;
      const res = await send(route, await pathFor(route), {}, bodyOf(route));
      const expected = { pipeline: 401, body: 400, none: 200, optional: 204, webhook: 401, oauth: 401 }[rules.auth];
      expect([key(route), res.status]).toEqual([key(route), expected]);
      if (rules.auth === 'pipeline') expect(res.json.error.code).toBe('unauthenticated');
      if (rules.auth === 'oauth') expect(res.json.error).toBe('invalid_client');
      if (rules.auth === 'pipeline' || rules.auth === 'oauth') expect(res.headers.get('www-authenticate')).toBeTruthy();
    }
  });

  it('lets each allowed credential kind through and refuses the others', async () => {
    for (const route of routes) {
      const rules = ENDPOINTS[key(route)]!;
      for (const kind of ALL) {
        const path = await pathFor(route);
        const body = bodyOf(route);
        const headers = await credential(kind, route, `${app.url}${path}`, body, rules.consumes === true);
        const res = await send(route, path, headers, body);
        const label = [key(route), kind];
        if (rules.auth === 'none') expect([...label, res.status]).toEqual([...label, 200]);
        else if (rules.auth === 'webhook') expect([...label, res.status]).toEqual([...label, 401]); // none of our credentials is GitHub's signature
        else if (rules.auth === 'body') expect([...label, res.status]).toEqual([...label, 400]); // the credential belongs in the body
        else if (rules.auth === 'optional') expect([...label, res.status]).toEqual([...label, 204]);
        else if (rules.auth === 'oauth') expect([...label, res.status, res.json.error]).toEqual(rules.kinds!.includes(kind) ? [...label, 200, undefined] : [...label, 401, 'invalid_client']);
        else if (rules.auditorOnly) expect([...label, res.status, res.json?.error?.code]).toEqual([...label, 403, 'forbidden']);
        // Through authentication and authorization: what the endpoint then answers is its own (a 404 for nothing set up yet).
        else if (rules.kinds!.includes(kind)) expect([...label, res.status === 401 || res.status === 403, res.json?.error?.code]).toEqual([...label, false, res.json?.error?.code]);
        else expect([...label, res.status, res.json?.error?.code]).toEqual([...label, 403, 'interactive_credential_required']);
        if (rules.auth === 'pipeline' || rules.auth === 'oauth') expect(res.headers.get('cache-control')).toBe('no-store');
      }
    }
  });

  it('answers 404 for another user’s resource, whatever the credential', async () => {
    for (const route of routes.filter((r) => ENDPOINTS[key(r)]!.ownsKey)) {
      const path = await pathFor(route, strangerKey.id);
      const body = bodyOf(route);
      const interactive: Record<string, string>[] = [{ authorization: `Bearer ${owner.idToken}` }, { cookie: `__session=${cookie}`, origin: app.url, 'sec-fetch-site': 'same-origin' }];
      for (const headers of interactive) {
        const res = await send(route, path, headers, body);
        expect([key(route), res.status, res.json.error.code]).toEqual([key(route), 404, 'not_found']);
      }
    }
    // And nothing happened to it.
    const still = await fetchAt(`${app.url}/v1/keys/${strangerKey.id}`, { headers: jsonHeaders(stranger.idToken) });
    expect(still.json.status).toBe('active');
  });

  it('refuses a cross-site request carried by the session cookie', async () => {
    for (const route of routes.filter((r) => hasBody(r.method) && ENDPOINTS[key(r)]!.auth !== 'none')) {
      const path = await pathFor(route);
      const res = await send(route, path, { cookie: `__session=${cookie}`, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, bodyOf(route));
      const rules = ENDPOINTS[key(route)]!;
      const expected =
        rules.auth === 'webhook' ? [401, 'invalid_signature'] : rules.auth === 'oauth' ? [401, 'invalid_client'] : rules.cookieless ? [400, 'multiple_credentials'] : [403, 'cross_site_request'];
      expect([key(route), res.status, isOAuth(route) ? res.json.error : res.json.error.code]).toEqual([key(route), ...expected]);
    }
    expect((await fetchAt(`${app.url}/v1/me`, { headers: { cookie: `__session=${cookie}` } })).status).toBe(200);
  });

  it('refuses malformed bodies with a 4xx and changes nothing', async () => {
    const bodies: [string, string, number][] = [
      ['application/json', '{', 400],
      ['application/json', '[]', 400],
      ['application/json', '{"name":"a","name":"b"}', 400],
      ['application/json', '{"name":"\\udc00"}', 400],
      ['text/plain', '{"name":"a"}', 415],
      ['application/x-www-form-urlencoded', 'name=a', 415],
    ];
    const before = (await fetchAt(`${app.url}/v1/keys`, { headers: jsonHeaders(owner.idToken) })).json.keys.length;
    // A webhook checks its sender's signature over the raw body first: a malformed body is a 401 there.
    for (const route of routes.filter((r) => hasBody(r.method) && ENDPOINTS[key(r)]!.auth !== 'webhook' && !isOAuth(r))) {
      for (const [type, text, status] of bodies) {
        const path = await pathFor(route, ownerKey.id);
        const headers = ENDPOINTS[key(route)]!.auth === 'pipeline' ? { authorization: `Bearer ${owner.idToken}`, 'content-type': type } : { 'content-type': type };
        const res = await fetchAt(`${app.url}${path}`, { method: route.method, headers, body: text });
        expect([key(route), text, res.status]).toEqual([key(route), text, status]);
        expect(res.json.error.code).toMatch(/^(invalid_json|invalid_request|unsupported_media_type)$/);
      }
    }
    // Only the keys pathFor made were added; the caller's key was never revoked or regenerated.
    const after = (await fetchAt(`${app.url}/v1/keys`, { headers: jsonHeaders(owner.idToken) })).json.keys;
    expect(after.find((k: { id: string }) => k.id === ownerKey.id).status).toBe('active');
    expect(after.length).toBeGreaterThanOrEqual(before);
  });

  it('refuses malformed OAuth requests with OAuth’s invalid_request (the form is read before the client)', async () => {
    const client = { authorization: `Basic ${Buffer.from(`${ownerKey.id}:${ownerKey.key.split('_').pop()}`).toString('base64')}` };
    const malformed: [string, Record<string, string>, string][] = [
      ['', { 'content-type': 'application/json' }, JSON.stringify({ grant_type: 'client_credentials', token })],
      ['', { 'content-type': 'text/plain' }, 'grant_type=client_credentials'],
      ['?grant_type=client_credentials', { 'content-type': 'application/x-www-form-urlencoded' }, ''],
      ['', { 'content-type': 'application/x-www-form-urlencoded' }, `grant_type=client_credentials&grant_type=client_credentials&token=${token}&token=${token}`],
      ['', { 'content-type': 'application/x-www-form-urlencoded' }, `grant_type=client_credentials&token=${'x'.repeat(8193)}`],
    ];
    for (const route of routes.filter(isOAuth)) {
      for (const [query, headers, body] of malformed) {
        const res = await send(route, `${route.path}${query}`, { ...client, ...headers }, body);
        expect([key(route), query, body.slice(0, 60), res.status, res.json.error]).toEqual([key(route), query, body.slice(0, 60), 400, 'invalid_request']);
      }
    }
  });
});
