// Keyward installed as a function kit into an existing project (docs/kit.md): the packed package,
// two instances (`keys`, `partner-keys`) beside the project's own codebase, run under the
// emulators with the command the docs give. A developer's journey through it, and the instances'
// isolation: neither accepts the other's keys nor shows the other's audit trail.
import { randomBytes } from 'node:crypto';
import { startHostStack, type HostStack } from '../../harness/host-stack';
import { TEST_FUNCTIONS_ENV } from '../../harness/ports';
import { eventually } from '../../harness/eventually';

let host: HostStack;

beforeAll(async () => {
  host = await startHostStack(TEST_FUNCTIONS_ENV);
}, 420_000);

afterAll(async () => {
  await host?.stop();
});

interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, headers: res.headers };
}

async function signUp(): Promise<{ uid: string; idToken: string }> {
  const email = `host-${randomBytes(5).toString('hex')}@example.com`;
  const r = await call(`${host.auth}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=fake`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: `pw-${randomBytes(8).toString('hex')}`, returnSecureToken: true }),
  });
  expect(r.status).toBe(200);
  return { uid: r.body.localId, idToken: r.body.idToken };
}

const json = (headers: Record<string, string> = {}) => ({ 'content-type': 'application/json', ...headers });

describe('Keyward as a function kit in a host project', () => {
  it('is the packed package with its shrinkwrap and the emulator command', () => {
    expect(host.packed).toEqual(expect.arrayContaining(['npm-shrinkwrap.json', 'lib/bin/keyward-emulators.js', 'lib/index.js']));
  });

  it("journey: sign in, session cookie, create a key, call the host's own function with it, read the audit", async () => {
    const user = await signUp();
    const origin = host.hosting;
    const session = await fetch(`${host.hosting}/v1/auth/session`, { method: 'POST', headers: json({ origin }), body: JSON.stringify({ idToken: user.idToken }) });
    expect({ status: session.status, body: session.status === 200 ? undefined : await session.text() }).toEqual({ status: 200, body: undefined });
    const cookie = /__session=([^;]+)/.exec(session.headers.get('set-cookie') ?? '')?.[1];
    expect(cookie).toBeDefined();
    const withCookie = { cookie: `__session=${cookie}`, origin };

    const me = await call(`${host.hosting}/v1/me`, { headers: withCookie });
    expect({ status: me.status, uid: me.body.uid, method: me.body.auth?.method }).toEqual({ status: 200, uid: user.uid, method: 'session' });

    const created = await call(`${host.hosting}/v1/keys`, { method: 'POST', headers: json(withCookie), body: JSON.stringify({ name: 'reports reader' }) });
    expect(created.status).toBe(201);
    const { key, id } = created.body as { key: string; id: string };

    const reports = await call(`${host.hosting}/reports`, { headers: { 'x-api-key': key } });
    expect({ status: reports.status, body: reports.body }).toEqual({ status: 200, body: { reports: ['q3'], uid: user.uid, method: 'api_key' } });
    const refused = await call(`${host.hosting}/reports`, { headers: { 'x-api-key': `${key.slice(0, -4)}AAAA` } });
    expect(refused.status).toBe(401);

    // The trail of the instance `keys`: the session, the key, and the host function's use of it.
    const trail = await eventually(
      async () => (await call(`${host.hosting}/v1/audit?keyId=${id}`, { headers: withCookie })).body?.entries ?? [],
      (entries: Array<{ event: string }>) => entries.some((e) => e.event === 'auth.success'),
      { timeoutMs: 20_000, everyMs: 500 },
    );
    expect(trail.map((e: { event: string }) => e.event)).toEqual(expect.arrayContaining(['key.create', 'auth.success']));
    expect(JSON.stringify(trail)).not.toContain(key);
  });

  it("two instances never see each other: a key of one is invalid_credential at the other, and the trails are apart", async () => {
    const user = await signUp();
    const bearer = { authorization: `Bearer ${user.idToken}` };
    const keysApi = host.hosting; // Hosting rewrites /v1/** to kit-keys-api
    const partnerApi = host.functionUrl('kit-partner-keys-api');

    const ofKeys = await call(`${keysApi}/v1/keys`, { method: 'POST', headers: json(bearer), body: JSON.stringify({ name: 'keys key' }) });
    const ofPartner = await call(`${partnerApi}/v1/keys`, { method: 'POST', headers: json(bearer), body: JSON.stringify({ name: 'partner key' }) });
    expect([ofKeys.status, ofPartner.status]).toEqual([201, 201]);

    // Each at home: accepted.
    expect((await call(`${keysApi}/v1/me`, { headers: { 'x-api-key': ofKeys.body.key } })).body.auth).toMatchObject({ method: 'api_key', keyId: ofKeys.body.id });
    expect((await call(`${partnerApi}/v1/me`, { headers: { 'x-api-key': ofPartner.body.key } })).body.auth).toMatchObject({ method: 'api_key', keyId: ofPartner.body.id });

    // Each abroad: unknown there.
    for (const [url, key] of [
      [`${partnerApi}/v1/me`, ofKeys.body.key],
      [`${keysApi}/v1/me`, ofPartner.body.key],
      [`${host.hosting}/reports`, ofPartner.body.key],
    ]) {
      const r = await call(url, { headers: { 'x-api-key': key } });
      expect({ url, status: r.status, code: r.body?.error?.code }).toEqual({ url, status: 401, code: 'invalid_credential' });
    }

    // Each lists only its own key, and its trail holds only its own.
    const listed = async (api: string) => ((await call(`${api}/v1/keys`, { headers: bearer })).body.keys as Array<{ id: string }>).map((k) => k.id);
    expect(await listed(keysApi)).toEqual([ofKeys.body.id]);
    expect(await listed(partnerApi)).toEqual([ofPartner.body.id]);
    const keyIds = async (api: string) =>
      new Set(((await call(`${api}/v1/audit`, { headers: bearer })).body.entries as Array<{ target?: { keyId?: string }; actor?: { keyId?: string } }>).flatMap((e) => [e.target?.keyId, e.actor?.keyId]).filter(Boolean));
    const partnerTrail = await eventually(() => keyIds(partnerApi), (ids) => ids.has(ofPartner.body.id), { timeoutMs: 20_000, everyMs: 500 });
    const keysTrail = await eventually(() => keyIds(keysApi), (ids) => ids.has(ofKeys.body.id), { timeoutMs: 20_000, everyMs: 500 });
    expect({ partner: [...partnerTrail].sort(), keys: [...keysTrail].sort() }).toEqual({ partner: [ofPartner.body.id], keys: [ofKeys.body.id] });
  });
});
