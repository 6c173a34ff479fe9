// CORS of /v1 through Hosting, as the browser of a page elsewhere meets it: the origins of
// KEYWARD_ALLOWED_ORIGINS (the test stack lists OTHER_ORIGIN) may call with an ID token and read
// the answer; no other origin gets a CORS header; nobody gets Access-Control-Allow-Credentials;
// and the session cookie still changes nothing when a request from another origin carries it.
import { api, createUser, type TestUser } from '../../harness/auth';
import { bearer, jsonHeaders } from '../../harness/keys';
import { BASE_URL, OTHER_ORIGIN } from '../../harness/ports';

const site = () => process.env.KEYWARD_BASE_URL ?? BASE_URL;
const FOREIGN = 'https://evil.example';

const preflight = (origin: string, method: string) =>
  fetch(`${site()}/v1/keys`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type' },
  });

async function sessionCookie(user: TestUser): Promise<string> {
  const res = await api('/v1/auth/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ idToken: user.idToken }) });
  expect(res.status).toBe(200);
  return res.headers.getSetCookie().find((c) => c.startsWith('__session='))!.split(';')[0]!;
}

const keyNames = async (user: TestUser) => ((await api('/v1/keys', { headers: bearer(user.idToken) })).json.keys as Array<{ name: string }>).map((k) => k.name);

describe('CORS of /v1 for KEYWARD_ALLOWED_ORIGINS', () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await createUser();
  });

  it('answers a listed origin’s preflight: its origin, the methods, Authorization, and no credentials', async () => {
    const res = await preflight(OTHER_ORIGIN, 'POST');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(OTHER_ORIGIN);
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, POST, PUT, PATCH, DELETE');
    expect(res.headers.get('access-control-allow-headers')).toBe('Authorization, Content-Type');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toContain('Origin');
  });

  it('gives another origin’s preflight no CORS header: the route’s own 405', async () => {
    const res = await preflight(FOREIGN, 'POST');
    expect(res.status).toBe(405);
    expect(await res.json()).toEqual({ error: { code: 'method_not_allowed', message: expect.any(String) } });
    for (const name of ['access-control-allow-origin', 'access-control-allow-methods', 'access-control-allow-headers', 'access-control-allow-credentials']) {
      expect(`${name}: ${res.headers.get(name)}`).toBe(`${name}: null`);
    }
  });

  it('lets a listed origin read an ID-token answer, and no other origin', async () => {
    const listed = await api('/v1/keys', { headers: { ...bearer(user.idToken), origin: OTHER_ORIGIN } });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('access-control-allow-origin')).toBe(OTHER_ORIGIN);
    expect(listed.headers.get('access-control-expose-headers')).toContain('RateLimit-Remaining');
    expect(listed.headers.get('access-control-allow-credentials')).toBeNull();
    const foreign = await api('/v1/keys', { headers: { ...bearer(user.idToken), origin: FOREIGN } });
    expect(foreign.status).toBe(200); // answered, but a browser shows it to no page of that origin
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it.each(['same-site', 'cross-site'])('refuses a change carried by the cookie from a listed origin (Sec-Fetch-Site: %s), and changes nothing', async (fetchSite) => {
    const cookie = await sessionCookie(user);
    const before = await keyNames(user);
    const res = await api('/v1/keys', {
      method: 'POST',
      headers: { cookie, origin: OTHER_ORIGIN, 'sec-fetch-site': fetchSite, 'sec-fetch-mode': 'cors', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'with the cookie from elsewhere' }),
    });
    expect(res.status).toBe(403);
    expect(res.json).toEqual({ error: { code: 'cross_site_request', message: expect.any(String) } });
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(await keyNames(user)).toEqual(before);
  });

  it('creates a key for a listed origin’s page that sends an ID token', async () => {
    const res = await api('/v1/keys', { method: 'POST', headers: { ...jsonHeaders(user.idToken), origin: OTHER_ORIGIN }, body: JSON.stringify({ name: 'from the app elsewhere' }) });
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBe(OTHER_ORIGIN);
    expect(await keyNames(user)).toContain('from the app elsewhere');
  });
});
