// Load: a bounded burst of mixed valid and invalid traffic through Hosting (the shared test stack,
// loopback only), about 300 requests, 20 at a time. What a user checks: no 5xx; every error in the
// contract's JSON shape; each request gets the answer it would get alone; 20 concurrent creates
// give 20 distinct working keys; and the audit trail holds every create and every authentication
// of the burst, once, and none of its secrets.
//
// The invalid credentials come from many clients (X-Forwarded-For, as production Hosting would
// set it): the failure limiter allows 60 failures a minute per address, and a burst of bad keys
// from one address would get 429s, and would leave other test files' address limited for a minute.
import { randomBytes } from 'node:crypto';
import { signRequest } from '../../../client/src';
import { formatKey, newKeyId, newSecret } from '../../../functions/src/keys/format';
import { createUser, type TestUser } from '../../harness/auth';
import { BASE_URL, TEST_FUNCTIONS_ENV } from '../../harness/ports';
import { sessionCookie, withRole } from '../audit/support';
import { eventually, reached } from '../../harness/eventually';
import { contractError, send, type Reply } from './support';

process.env.METADATA_SERVER_DETECTION ??= 'none';

const base = () => process.env.KEYWARD_BASE_URL ?? BASE_URL;
const CONCURRENCY = 20;
const CREATES = 20;
const WEB_ORIGIN = 'https://app.example.com';

interface Created {
  id: string;
  key: string;
  signingSecret: string;
}

interface Spec {
  what: string;
  path: string;
  init?: RequestInit & { headers?: Record<string, string> };
  status: number;
  code?: string;
  /** For a 200 on /v1/me: how the request authenticated, and as which key. */
  method?: string;
  keyId?: string;
  /** The audit entry this request must leave (undefined: none is checked). */
  audit?: 'auth.success' | 'auth.failure';
}

interface Outcome {
  spec: Spec;
  res: Reply;
}

/** Runs `work` over `items`, at most `limit` at a time, keeping the order of the results. */
async function pool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** A deterministic shuffle, so valid and invalid requests interleave the same way on every run. */
function shuffle<T>(items: T[]): T[] {
  const out = [...items];
  let seed = 42;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const partsOf = (key: string) => key.split('_') as [string, string, string];
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** What the response says is wrong with it, or undefined when it is what the spec expects. */
function problem({ spec, res }: Outcome): string | undefined {
  const where = `${spec.what}: ${res.status} ${res.text.slice(0, 200)}`;
  if (res.status >= 500) return `5xx ${where}`;
  if (res.status >= 400) {
    let code: string;
    try {
      code = contractError(res);
    } catch (err) {
      return `${spec.what}: ${(err as Error).message}`;
    }
    if (res.status === 401 && !res.headers.get('www-authenticate')) return `401 without WWW-Authenticate: ${where}`;
    if (res.status === 405 && !res.headers.get('allow')) return `405 without Allow: ${where}`;
    if (spec.code && code !== spec.code) return `expected ${spec.status} ${spec.code}, got ${where}`;
  }
  if (res.status !== spec.status) return `expected ${spec.status}${spec.code ? ` ${spec.code}` : ''}, got ${where}`;
  if (spec.method) {
    const auth = res.json?.auth;
    if (auth?.method !== spec.method || (spec.keyId && auth?.keyId !== spec.keyId)) return `authenticated wrongly: ${where}`;
  }
  if (spec.audit && res.headers.get('cache-control') !== 'no-store') return `an authenticated response without Cache-Control: no-store: ${where}`;
  return undefined;
}

let owner: TestUser;
let auditor: TestUser;
let keys: Created[] = [];
const createRequestIds: string[] = [];
const startedAt = new Date(Date.now() - 2000).toISOString();

/**
 * The Functions emulator serves each concurrent request in its own worker process, started on
 * demand with cold clients (production serves up to 80 at once on one instance), and twenty of
 * them booting at once on a small machine take seconds each. So the pool is warmed first, and the
 * warm-up asserts only what every answer must be: a 200, or, should a cold worker overrun a
 * dependency timeout, the contract's 503.
 */
async function warmWorkers(key: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const round = await Promise.all(Array.from({ length: CONCURRENCY }, () => send(`${base()}/v1/me`, { headers: { 'x-api-key': key } }, 60_000)));
    for (const res of round) {
      if (res.status === 200) continue;
      expect({ status: res.status, code: contractError(res) }).toEqual({ status: 503, code: 'unavailable' });
    }
    if (round.every((r) => r.status === 200) || Date.now() > deadline) return;
  }
}

beforeAll(async () => {
  owner = await createUser();
  auditor = await withRole(await createUser(), { auditor: true });
  const warm = await send(`${base()}/v1/keys`, { method: 'POST', headers: { ...bearer(auditor.idToken), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'warm-up' }) });
  expect(warm.status).toBe(201);
  await warmWorkers(warm.json.key as string);
}, 90_000);

describe('under load', () => {
  // What is checked here is each answer, not its speed (that is `npm run bench`): the first create
  // in each emulator worker also loads the Logging client for its audit write, and twenty of those
  // at once on a busy 2-core machine took over 20 s.
  jest.setTimeout(150_000);

  it(`${CREATES} concurrent creates give ${CREATES} distinct keys, each working`, async () => {
    const headers = { ...bearer(owner.idToken), 'content-type': 'application/json' };
    const created = await Promise.all(
      Array.from({ length: CREATES }, (_, i) => send(`${base()}/v1/keys`, { method: 'POST', headers, body: JSON.stringify({ name: `load ${i}` }) }, 60_000)),
    );
    expect(created.map((r) => (r.status === 201 ? 201 : `${r.status} after ${r.ms} ms: ${r.text}`))).toEqual(Array(CREATES).fill(201));
    keys = created.map((r) => r.json as Created);
    createRequestIds.push(...created.map((r) => r.headers.get('x-request-id')!));
    for (const field of ['id', 'key', 'signingSecret'] as const) expect(new Set(keys.map((k) => k[field])).size).toBe(CREATES);

    const listed = await send(`${base()}/v1/keys`, { headers: bearer(owner.idToken) });
    expect((listed.json.keys as Array<{ id: string }>).map((k) => k.id).sort()).toEqual(keys.map((k) => k.id).sort());
    const used = await Promise.all(keys.map((k) => send(`${base()}/v1/me`, { headers: { 'x-api-key': k.key } })));
    expect(used.map((r) => [r.status, r.json?.uid, r.json?.auth?.keyId])).toEqual(keys.map((k) => [200, owner.uid, k.id]));
  });

  it('mixed valid and invalid traffic: no 5xx, contract errors, the right answer for each, and a complete audit trail', async () => {
    expect(keys).toHaveLength(CREATES);
    // What the burst uses besides the keys: a session, access tokens, a web key, a revoked key.
    const cookie = await sessionCookie(owner);
    const tokens: string[] = [];
    for (const k of keys.slice(0, 2)) {
      const res = await send(`${base()}/v1/auth/issue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api_key: k.key }) });
      expect(res.status).toBe(200);
      tokens.push(res.json.token as string);
    }
    const headers = { ...bearer(owner.idToken), 'content-type': 'application/json' };
    const extra = await Promise.all([
      send(`${base()}/v1/keys`, { method: 'POST', headers, body: JSON.stringify({ name: 'web', type: 'web', allowedOrigins: [WEB_ORIGIN] }) }),
      send(`${base()}/v1/keys`, { method: 'POST', headers, body: JSON.stringify({ name: 'to revoke' }) }),
    ]);
    expect(extra.map((r) => r.status)).toEqual([201, 201]);
    const [web, revoked] = extra.map((r) => r.json as Created) as [Created, Created];
    const revokedAt = Date.now();
    expect((await send(`${base()}/v1/keys/${revoked.id}`, { method: 'DELETE', headers: bearer(owner.idToken) })).status).toBe(200);
    // Refused at once by the worker that revoked it; the others may have cached the key (the one that
    // created it has) for up to KEYWARD_CACHE_TTL_MS, the contract's cross-instance bound.
    await reached(revokedAt + Number(TEST_FUNCTIONS_ENV.KEYWARD_CACHE_TTL_MS) + 200);

    let client = 0;
    /** A new client address for each request with a bad credential (see the top of the file). */
    const fromAnotherClient = (h: Record<string, string> = {}) => ({ ...h, 'x-forwarded-for': `198.51.100.${(client++ % 250) + 1}` });
    const specs: Spec[] = [];
    const me = (what: string, h: Record<string, string>, outcome: Partial<Spec> & { status: number }, query = '') =>
      specs.push({ what, path: `/v1/me${query}`, init: { headers: h }, ...outcome });

    // Valid: every way of sending a key, for every key.
    keys.forEach((k, i) => {
      const [, id, secret] = partsOf(k.key);
      const ok = { status: 200, method: 'api_key', keyId: k.id, audit: 'auth.success' as const };
      me(`ApiKey #${i}`, { authorization: `ApiKey ${k.key}` }, ok);
      me(`X-API-Key #${i}`, { 'x-api-key': k.key }, ok);
      me(`Bearer key #${i}`, bearer(k.key), ok);
      me(`ApiKey pair #${i}`, { authorization: `ApiKey ${b64(`${id}:${secret}`)}` }, ok);
      me(`X-API-Key/X-API-Secret pair #${i}`, { 'x-api-key': b64(id), 'x-api-secret': b64(secret) }, ok);
    });
    for (let i = 0; i < 10; i++) {
      me(`ID token ${i}`, bearer(owner.idToken), { status: 200, method: 'id_token', audit: 'auth.success' });
      me(`session cookie ${i}`, { cookie: `__session=${cookie}` }, { status: 200, method: 'session', audit: 'auth.success' });
      const k = keys[i]!;
      me(`signed request ${i}`, signRequest({ keyId: k.id, signingSecret: k.signingSecret }, { method: 'GET', url: `${base()}/v1/me` }), { status: 200, method: 'signature', keyId: k.id, audit: 'auth.success' });
    }
    for (let i = 0; i < 5; i++) {
      const token = tokens[i % 2]!;
      me(`access token ${i}`, bearer(token), { status: 200, method: 'access_token', audit: 'auth.success' });
      me(`access token in the query ${i}`, {}, { status: 200, method: 'access_token', audit: 'auth.success' }, `?token=${token}`);
      me(`web key from its origin ${i}`, { 'x-api-key': web.key, origin: WEB_ORIGIN }, { status: 200, method: 'api_key', keyId: web.id, audit: 'auth.success' });
      specs.push({ what: `list keys ${i}`, path: '/v1/keys', init: { headers: bearer(owner.idToken) }, status: 200, audit: 'auth.success' });
      specs.push({ what: `health ${i}`, path: '/v1/health', status: 200 });
      specs.push({ what: `jwks ${i}`, path: '/.well-known/jwks.json', status: 200 });
    }

    // Invalid credentials.
    keys.forEach((k, i) => {
      const [type, id, secret] = partsOf(k.key);
      const flipped = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
      const wrong = newSecret('server', id); // well formed, a valid checksum, not this key's secret
      const refused = { status: 401, code: 'invalid_credential', audit: 'auth.failure' as const };
      me(`bad checksum #${i}`, fromAnotherClient({ 'x-api-key': `${type}_${id}_${flipped}` }), refused);
      me(`wrong secret #${i}`, fromAnotherClient({ authorization: `ApiKey ${formatKey({ type: 'server', keyId: id, secret: wrong })}` }), refused);
      me(`wrong secret in a pair #${i}`, fromAnotherClient({ 'x-api-key': b64(id), 'x-api-secret': b64(wrong) }), refused);
    });
    for (let i = 0; i < 5; i++) {
      const unknownId = newKeyId();
      const garbage = randomBytes(24).toString('base64url');
      me(`unknown key id ${i}`, fromAnotherClient({ 'x-api-key': formatKey({ type: 'server', keyId: unknownId, secret: newSecret('server', unknownId) }) }), { status: 401, code: 'invalid_credential', audit: 'auth.failure' });
      me(`malformed key ${i}`, fromAnotherClient({ 'x-api-key': `server_${garbage}` }), { status: 401, code: 'invalid_credential', audit: 'auth.failure' });
      me(`garbage bearer ${i}`, fromAnotherClient(bearer(`${garbage}.${garbage}.${garbage}`)), { status: 401, audit: 'auth.failure' });
      me(`unknown scheme ${i}`, fromAnotherClient({ authorization: `Basic ${b64('a:b')}` }), { status: 401, code: 'invalid_credential', audit: 'auth.failure' });
      me(`garbage session cookie ${i}`, fromAnotherClient({ cookie: `__session=${garbage}` }), { status: 401, audit: 'auth.failure' });
      me(`revoked key ${i}`, fromAnotherClient({ 'x-api-key': revoked.key }), { status: 401, code: 'revoked_credential', audit: 'auth.failure' });
      me(`no credential ${i}`, {}, { status: 401, code: 'unauthenticated', audit: 'auth.failure' });
      me(`two credentials ${i}`, { ...bearer(owner.idToken), 'x-api-key': keys[i]!.key }, { status: 400, code: 'multiple_credentials', audit: 'auth.failure' });
      me(`key in the query ${i}`, {}, { status: 400, code: 'credential_in_url', audit: 'auth.failure' }, `?api_key=${keys[i]!.key}`);
      me(`web key from another origin ${i}`, fromAnotherClient({ 'x-api-key': web.key, origin: 'https://evil.example' }), { status: 403, code: 'origin_not_allowed', audit: 'auth.failure' });
      specs.push({ what: `replayed signature ${i}`, path: '/v1/me', init: { headers: fromAnotherClient({ authorization: `Keyward-HMAC-SHA256 Credential=${keys[i]!.id}, Timestamp=1, Nonce=${'n'.repeat(16)}, Signature=${'0'.repeat(64)}` }) }, status: 401, audit: 'auth.failure' });
      specs.push({ what: `issue with a malformed key ${i}`, path: '/v1/auth/issue', init: { method: 'POST', headers: fromAnotherClient({ 'content-type': 'application/json' }), body: JSON.stringify({ api_key: `server_${garbage}` }) }, status: 401 });
    }

    // Malformed requests and refused operations.
    const post = (h: Record<string, string>, body: string) => ({ method: 'POST', headers: h, body });
    for (let i = 0; i < 5; i++) {
      specs.push({ what: `garbage JSON ${i}`, path: '/v1/keys', init: post(headers, `{"name": "x",${randomBytes(4).toString('hex')}`), status: 400, code: 'invalid_json' });
      specs.push({ what: `JSON array ${i}`, path: '/v1/keys', init: post(headers, '[1,2,3]'), status: 400, code: 'invalid_request' });
      specs.push({ what: `form body ${i}`, path: '/v1/keys', init: post({ ...bearer(owner.idToken), 'content-type': 'application/x-www-form-urlencoded' }, 'name=x'), status: 415, code: 'unsupported_media_type' });
      specs.push({ what: `unknown field ${i}`, path: '/v1/keys', init: post(headers, JSON.stringify({ name: 'x', admin: true })), status: 400, code: 'invalid_request', audit: 'auth.success' });
      specs.push({ what: `bad type ${i}`, path: '/v1/keys', init: post(headers, JSON.stringify({ name: 'x', type: 'root' })), status: 400, code: 'invalid_request', audit: 'auth.success' });
      specs.push({ what: `body over the limit ${i}`, path: '/v1/keys', init: post(headers, JSON.stringify({ name: 'x'.repeat(17 * 1024) })), status: 413, code: 'payload_too_large' });
      specs.push({ what: `create with a key ${i}`, path: '/v1/keys', init: post({ 'x-api-key': keys[i]!.key, 'content-type': 'application/json' }, JSON.stringify({ name: 'entrenched' })), status: 403, code: 'interactive_credential_required', audit: 'auth.success' });
      specs.push({ what: `cross-site cookie POST ${i}`, path: '/v1/keys', init: post({ cookie: `__session=${cookie}`, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }, JSON.stringify({ name: 'csrf' })), status: 403, code: 'cross_site_request', audit: 'auth.failure' });
      specs.push({ what: `another user's key ${i}`, path: `/v1/keys/${newKeyId()}`, init: { headers: bearer(auditor.idToken) }, status: 404, code: 'not_found', audit: 'auth.success' });
      specs.push({ what: `audit page too large ${i}`, path: '/v1/audit?pageSize=100000', init: { headers: bearer(owner.idToken) }, status: 400, code: 'invalid_request', audit: 'auth.success' });
      specs.push({ what: `unknown path ${i}`, path: `/v1/nothing-${i}`, status: 404, code: 'not_found' });
    }
    for (const [method, path] of [['PUT', '/v1/me'], ['PATCH', '/v1/keys'], ['DELETE', '/v1/health'], ['GET', '/v1/auth/issue'], ['PUT', `/v1/keys/${keys[0]!.id}`]] as const) {
      specs.push({ what: `${method} ${path}`, path, init: { method, headers: bearer(owner.idToken) }, status: 405, code: 'method_not_allowed' });
    }
    specs.push({ what: 'a 1 MiB body', path: '/v1/keys', init: post(headers, JSON.stringify({ name: 'x'.repeat(1024 * 1024) })), status: 413, code: 'payload_too_large' });

    expect(specs.length).toBeGreaterThanOrEqual(250);
    const outcomes = await pool(shuffle(specs), CONCURRENCY, async (spec): Promise<Outcome> => ({ spec, res: await send(`${base()}${spec.path}`, spec.init) }));
    expect(outcomes.map(problem).filter(Boolean)).toEqual([]);

    // The trail: every create of the first test and every authentication of the burst, exactly once.
    const expected = new Map<string, string>(createRequestIds.map((id) => [id, 'key.create']));
    for (const { spec, res } of outcomes) {
      if (!spec.audit) continue;
      const id = res.headers.get('x-request-id');
      expect(id).toBeTruthy();
      expected.set(id!, spec.audit);
    }
    // Access entries are written in batches, by whichever worker served them.
    const complete = (entries: Array<{ event: string; request: { requestId?: string } }>) => {
      const seen = new Set(entries.map((e) => `${e.request.requestId} ${e.event}`));
      return [...expected].every(([id, event]) => seen.has(`${id} ${event}`));
    };
    const entries = await eventually(() => readTrail(auditor, startedAt), complete, { timeoutMs: 15_000, everyMs: 300 });
    const missing = [...expected].filter(([id, event]) => !entries.some((e) => e.request.requestId === id && e.event === event));
    expect(missing).toEqual([]);
    // One authentication entry per request of the burst, never two.
    const authCount = new Map<string, number>();
    for (const e of entries) if (e.event.startsWith('auth.')) authCount.set(e.request.requestId ?? '', (authCount.get(e.request.requestId ?? '') ?? 0) + 1);
    const twice = [...expected].filter(([id, event]) => event.startsWith('auth.') && authCount.get(id) !== 1);
    expect(twice).toEqual([]);
    // And none of the burst's secrets.
    const text = JSON.stringify(entries);
    const secrets = [...keys.flatMap((k) => [k.key, partsOf(k.key)[2], k.signingSecret]), web.key, revoked.key, cookie, owner.idToken, ...tokens];
    expect(secrets.filter((s) => text.includes(s))).toEqual([]);
  });
});

/** Every audit entry since `from`, all pages, read as an auditor through GET /v1/audit. */
async function readTrail(reader: TestUser, from: string): Promise<Array<{ event: string; request: { requestId?: string } }>> {
  const out: Array<{ event: string; request: { requestId?: string } }> = [];
  let pageToken: string | undefined;
  do {
    const query = new URLSearchParams({ from, pageSize: '1000', ...(pageToken ? { pageToken } : {}) });
    const res = await send(`${base()}/v1/audit?${query}`, { headers: bearer(reader.idToken) });
    if (res.status !== 200) throw new Error(`GET /v1/audit: ${res.status} ${res.text}`);
    out.push(...res.json.entries);
    pageToken = res.json.nextPageToken ?? undefined;
  } while (pageToken);
  return out;
}
