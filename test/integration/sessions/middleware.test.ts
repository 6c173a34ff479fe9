// The exported middleware on a project's own Express endpoints, against the test stack's emulators.
import express from 'express';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { createServices, identityOf, keywardAuth, loadConfig, requireClaimsMiddleware } from '../../../functions/src/public';
import { createUser, signIn } from '../../harness/auth';
import { adminAuth } from '../../harness/admin';
import { createKey } from '../../harness/keys';
import { TEST_FUNCTIONS_ENV } from '../../harness/ports';
import { sessionFor } from './support';

let server: Server;
let url: string;
let services: ReturnType<typeof createServices>;

beforeAll(async () => {
  const env = { ...process.env, ...TEST_FUNCTIONS_ENV };
  services = createServices(loadConfig(env), env);
  const app = express();
  const auth = keywardAuth(services);
  app.get('/reports', auth, requireClaimsMiddleware({ role: 'auditor' }), (_req, res) => {
    const who = identityOf(res)!;
    res.json({ uid: who.uid, method: who.method });
  });
  app.post('/notes', auth, requireClaimsMiddleware({ permission: 'notes:write' }), (_req, res) => {
    res.status(201).json({ ok: true });
  });
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  // The services' audit chain ends with this file: its final checkpoint now, not a timer firing in the next file.
  await services.audit.close();
});

async function call(path: string, init: RequestInit = {}) {
  const res = await fetch(url + path, init);
  return { status: res.status, cacheControl: res.headers.get('cache-control'), body: (await res.json()) as any };
}

describe('keywardAuth + requireClaimsMiddleware', () => {
  it('refuses with the contract JSON: 401 without a credential, 403 without the claim', async () => {
    const none = await call('/reports');
    expect(none).toMatchObject({ status: 401, body: { error: { code: 'unauthenticated' } } });
    const user = await createUser();
    const denied = await call('/reports', { headers: { authorization: `Bearer ${user.idToken}` } });
    expect(denied).toMatchObject({ status: 403, cacheControl: 'no-store', body: { error: { code: 'forbidden', message: expect.any(String) } } });
  });

  it('lets through every credential kind of a user with the claim, with the identity on res.locals', async () => {
    const user = await createUser();
    await adminAuth().setCustomUserClaims(user.uid, { auditor: true });
    const fresh = await signIn(user.email, user.password);
    const key = await createKey(fresh);
    const cookie = await sessionFor(fresh);
    for (const [headers, method] of [
      [{ authorization: `Bearer ${fresh.idToken}` }, 'id_token'],
      [{ cookie: `__session=${cookie}` }, 'session'],
      [{ 'x-api-key': key.key }, 'api_key'],
    ] as const) {
      expect(await call('/reports', { headers })).toMatchObject({ status: 200, cacheControl: 'no-store', body: { uid: user.uid, method } });
    }
    // An admin passes every check.
    const admin = await createUser();
    await adminAuth().setCustomUserClaims(admin.uid, { admin: true });
    expect((await call('/reports', { headers: { authorization: `Bearer ${(await signIn(admin.email, admin.password)).idToken}` } })).status).toBe(200);
  });

  it('applies the cross-site rule to state changes carried by the cookie', async () => {
    const user = await createUser();
    await adminAuth().setCustomUserClaims(user.uid, { permissions: ['notes:write'] });
    const cookie = await sessionFor(await signIn(user.email, user.password));
    const post = (headers: Record<string, string>) => call('/notes', { method: 'POST', headers: { cookie: `__session=${cookie}`, ...headers } });
    expect(await post({ origin: 'https://evil.example' })).toMatchObject({ status: 403, body: { error: { code: 'cross_site_request' } } });
    expect(await post({})).toMatchObject({ status: 403, body: { error: { code: 'cross_site_request' } } });
    expect((await post({ origin: url })).status).toBe(201);
  });
});
