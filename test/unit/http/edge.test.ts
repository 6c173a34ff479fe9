// The edges that adapt a transport to the domain, each with the real Express (or callable)
// request and an in-memory authenticator: http/handler's route(), the keywardAuth middleware,
// and runCallable. What they must do: build the request context once, authenticate, and turn
// every outcome into the contract's JSON (or the callable's code), never a stack trace.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { CallableRequest } from 'firebase-functions/v2/https';
import { runCallable } from '../../../functions/src/callables';
import type { Authenticate } from '../../../functions/src/credentials/pipeline';
import { KeywardError } from '../../../functions/src/errors';
import { route, type Handler, type HttpDeps } from '../../../functions/src/http/handler';
import type { Identity } from '../../../functions/src/identity';
import { identityOf, keywardAuth, requireClaimsMiddleware } from '../../../functions/src/middleware';
import type { RequestContext } from '../../../functions/src/request';
import type { Services } from '../../../functions/src/services';
import { memoryAuditSink, users } from '../../harness/memory';
import { parseTrustedProxies } from '../../../functions/src/lib/client-address';

/** The test's clients connect over loopback, as a proxy in front would: their X-Forwarded-For is believed. */
const LOOPBACK_PROXY = parseTrustedProxies(['loopback'])!;

const alice: Identity = { uid: 'alice', claims: { permissions: ['reports'] }, method: 'api_key', keyId: 'k', keyType: 'server' };

/** An authenticator that accepts `x-api-key: good`, refuses anything else, and records what it saw. */
function authenticator() {
  const seen: RequestContext[] = [];
  const authenticate: Authenticate = async (info) => {
    seen.push(info);
    if (info.headers['x-api-key'] === 'good') return alice;
    if (info.headers['x-api-key'] === 'down') throw new KeywardError('unavailable', 'Firestore is down.', { retryAfterSeconds: 5, cause: new Error('UNAVAILABLE') });
    throw new KeywardError('invalid_credential', 'The API key is not valid.', { challenge: 'ApiKey' });
  };
  return { seen, authenticate };
}

let server: Server;
let base: string;
async function serve(app: express.Express): Promise<void> {
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

describe('http/handler route()', () => {
  const auth = authenticator();
  const deps: HttpDeps = { authenticate: auth.authenticate, bodyLimitBytes: 64, network: { trustedProxies: LOOPBACK_PROXY, emulated: false } };
  const echo: Handler = async (req) => ({ body: { uid: req.identity?.uid, body: req.body, q: req.query.get('q'), id: req.params.id }, cookies: ['a=1'] });
  const boom: Handler = async () => {
    throw new TypeError('a bug with a secret in it: kws_123');
  };

  beforeEach(async () => {
    const app = express();
    app.post('/things/:id', route(deps, echo));
    app.get('/open', route(deps, echo, { auth: false }));
    app.get('/boom', route(deps, boom, { auth: false }));
    await serve(app);
  });

  it('builds one plain request context, authenticates, and answers JSON with no-store', async () => {
    const res = await fetch(`${base}/things/7?q=x`, { method: 'POST', headers: { 'x-api-key': 'good', 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.7' }, body: '{"a":1}' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ uid: 'alice', body: { a: 1 }, q: 'x', id: '7' });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('set-cookie')).toBe('a=1');
    const info = auth.seen.at(-1)!;
    expect(info).toMatchObject({ method: 'POST', path: '/things/7', rawQuery: 'q=x', ip: '198.51.100.7', body: { a: 1 } });
    expect(res.headers.get('x-request-id')).toBe(info.requestId);
    expect(Object.getPrototypeOf(info)).toBe(Object.prototype);
  });

  it('maps refusals and faults to the contract: status, challenge, Retry-After, and no internals', async () => {
    const refused = await fetch(`${base}/things/7`, { method: 'POST', headers: { 'x-api-key': 'bad' } });
    expect([refused.status, refused.headers.get('www-authenticate'), await refused.json()]).toEqual([401, 'ApiKey', { error: { code: 'invalid_credential', message: 'The API key is not valid.' } }]);

    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const down = await fetch(`${base}/things/7`, { method: 'POST', headers: { 'x-api-key': 'down' } });
      expect([down.status, down.headers.get('retry-after'), ((await down.json()) as { error: { code: string } }).error.code]).toEqual([503, '5', 'unavailable']);
      const bug = await fetch(`${base}/boom`);
      const text = await bug.text();
      expect(bug.status).toBe(500);
      expect(text).not.toMatch(/TypeError|kws_|at /);
      expect(errors).toHaveBeenCalledTimes(2); // each fault logged once for operators, with its cause
      expect(String(errors.mock.calls[0]![0])).toContain('UNAVAILABLE');
    } finally {
      errors.mockRestore();
    }
  });

  it('refuses a body over the limit, bad JSON and a non-JSON body before the handler', async () => {
    const send = (body: string, type = 'application/json') => fetch(`${base}/things/7`, { method: 'POST', headers: { 'x-api-key': 'good', 'content-type': type }, body });
    const codes = async (res: Response) => [res.status, ((await res.json()) as { error: { code: string } }).error.code];
    expect(await codes(await send(`{"a":"${'x'.repeat(100)}"}`))).toEqual([413, 'payload_too_large']);
    expect(await codes(await send('{"a":'))).toEqual([400, 'invalid_json']);
    expect(await codes(await send('a=1', 'application/x-www-form-urlencoded'))).toEqual([415, 'unsupported_media_type']);
  });

  it('skips authentication on open routes', async () => {
    const before = auth.seen.length;
    const res = await fetch(`${base}/open`, { headers: { 'x-api-key': 'bad' } });
    expect(res.status).toBe(200);
    expect(auth.seen.length).toBe(before);
  });
});

describe('keywardAuth middleware', () => {
  it("puts the identity on res.locals for the project's handlers, and refuses with the contract's JSON", async () => {
    const auth = authenticator();
    const services = { config: { trustedProxies: LOOPBACK_PROXY, emulated: false, bodyLimitBytes: 1024 }, authenticate: auth.authenticate } as unknown as Services;
    const app = express();
    app.get('/reports', keywardAuth(services), requireClaimsMiddleware({ permission: 'reports' }), (_req, res) => void res.json({ uid: identityOf(res)?.uid }));
    app.get('/admin', keywardAuth(services), requireClaimsMiddleware({ role: 'admin' }), (_req, res) => void res.json({}));
    await serve(app);
    const ok = await fetch(`${base}/reports`, { headers: { 'x-api-key': 'good' } });
    expect([ok.status, await ok.json(), ok.headers.get('cache-control')]).toEqual([200, { uid: 'alice' }, 'no-store']);
    const refused = await fetch(`${base}/reports`, { headers: { 'x-api-key': 'bad' } });
    expect([refused.status, ((await refused.json()) as { error: { code: string } }).error.code]).toEqual([401, 'invalid_credential']);
    const forbidden = await fetch(`${base}/admin`, { headers: { 'x-api-key': 'good' } });
    expect([forbidden.status, ((await forbidden.json()) as { error: { code: string } }).error.code]).toEqual([403, 'forbidden']);
  });
});

describe('runCallable', () => {
  function callable(over: { auth?: { uid: string; auth_time: number }; cookie?: string; data?: unknown } = {}) {
    const headers: Record<string, string> = { host: 'app.example.com', 'x-forwarded-proto': 'https', origin: 'https://app.example.com', 'sec-fetch-site': 'same-origin' };
    if (over.cookie) headers.cookie = `__session=${over.cookie}`;
    const cacheControl: string[] = [];
    const rawRequest = {
      method: 'POST',
      url: '/v1/rpc/listApiKeys',
      headers,
      rawHeaders: Object.entries(headers).flat(),
      socket: { remoteAddress: '203.0.113.5' },
      res: { setHeader: (_name: string, value: string) => void cacheControl.push(value) },
    };
    const request = { data: over.data ?? {}, rawRequest, auth: over.auth && { uid: over.auth.uid, token: { uid: over.auth.uid, auth_time: over.auth.auth_time } } } as unknown as CallableRequest;
    return { request, cacheControl };
  }
  function services() {
    const audit = memoryAuditSink();
    const directory = users([{ uid: 'alice', claims: {}, disabled: false, validSince: 0 }]);
    const session = async (cookie: string): Promise<Identity> => {
      if (cookie === 'valid.session.cookie') return { uid: 'alice', claims: {}, method: 'session' };
      throw new KeywardError('invalid_credential', 'The session cookie is not valid.');
    };
    return { audit, svc: { config: { trustedProxies: LOOPBACK_PROXY, emulated: false, keys: { prefix: '' } }, users: directory, audit, verifiers: { session } } as unknown as Services };
  }
  const whoAmI = async (identity: Identity, data: Record<string, unknown>) => ({ uid: identity.uid, method: identity.method, data });

  it('runs the handler as the ID token or the session, with no-store, and audits who called', async () => {
    const { audit, svc } = services();
    const byToken = callable({ auth: { uid: 'alice', auth_time: 10 }, data: { n: 1 } });
    expect(await runCallable(svc, byToken.request, whoAmI, 'whoAmI')).toEqual({ uid: 'alice', method: 'id_token', data: { n: 1 } });
    expect(byToken.cacheControl).toEqual(['no-store']);
    const bySession = callable({ cookie: 'valid.session.cookie' });
    expect(await runCallable(svc, bySession.request, whoAmI, 'whoAmI')).toMatchObject({ uid: 'alice', method: 'session' });
    expect(audit.events.map((e) => [e.event, e.actor.method, e.request?.ip])).toEqual([
      ['auth.success', 'id_token', '203.0.113.5'],
      ['auth.success', 'session', '203.0.113.5'],
    ]);
  });

  it("maps refusals to the callable's codes, keeping Keyward's code in the details", async () => {
    const { audit, svc } = services();
    const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code: string; details?: { code: string } }) => `${e.code}/${e.details?.code}`);
    expect(await codeOf(runCallable(svc, callable().request, whoAmI, 'whoAmI'))).toBe('unauthenticated/unauthenticated');
    expect(await codeOf(runCallable(svc, callable({ cookie: 'forged.session.cookie' }).request, whoAmI, 'whoAmI'))).toBe('unauthenticated/invalid_credential');
    expect(await codeOf(runCallable(svc, callable({ auth: { uid: 'alice', auth_time: 10 }, data: [1] }).request, whoAmI, 'whoAmI'))).toBe('invalid-argument/invalid_request');
    expect(await codeOf(runCallable(svc, callable({ auth: { uid: 'alice', auth_time: 10 } }).request, async () => Promise.reject(new KeywardError('not_found', 'No such key.')), 'whoAmI'))).toBe('not-found/not_found');
    expect(await codeOf(runCallable(svc, callable({ auth: { uid: 'alice', auth_time: 10 } }).request, async () => Promise.reject(new Error('bug')), 'whoAmI'))).toBe('internal/internal');
    expect(audit.events.filter((e) => e.event === 'auth.failure').map((e) => e.reason)).toEqual(['unauthenticated', 'invalid_credential']);
  });

  it("carries a 429's wait in the details (the callable protocol has no Retry-After), and no other error's", async () => {
    const { svc } = services();
    const caller = () => callable({ auth: { uid: 'alice', auth_time: 10 } }).request;
    const failWith = (err: KeywardError) => runCallable(svc, caller(), async () => Promise.reject(err), 'queryAuditLog').then(() => undefined, (e: unknown) => e);
    const limited = (await failWith(new KeywardError('rate_limited', 'Too many audit reads; try again in 42 s.', { retryAfterSeconds: 42 }))) as { code: string; message: string; details: unknown };
    expect([limited.code, limited.message, limited.details]).toEqual(['resource-exhausted', 'Too many audit reads; try again in 42 s.', { code: 'rate_limited', retryAfter: 42 }]);
    const down = (await failWith(new KeywardError('unavailable', 'The audit log is unavailable.', { retryAfterSeconds: 5 }))) as { code: string; details: unknown };
    expect([down.code, down.details]).toEqual(['unavailable', { code: 'unavailable' }]);
  });
});
