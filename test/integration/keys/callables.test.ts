// The console's callable functions (createApiKey, listApiKeys, revokeApiKey, regenerateApiKey)
// called through firebase-functions-test (online mode, project demo-keyward), as exported by
// functions/src/index.ts, against the test stack's emulators: Firestore, Secret Manager and Cloud
// Logging hosts come from global setup. The caller is a real Auth-emulator user: `auth` carries the
// ID token as firebase-functions passes it after verifying it (firebase-admin's decoded token).
// Keys made here are used over HTTP on the stack's Hosting URL, like any console user would.
import firebaseFunctionsTest from 'firebase-functions-test';
import type { CallableFunction, CallableRequest, HttpsError } from 'firebase-functions/v2/https';
import type { DecodedIdToken } from 'firebase-admin/auth';
import { adminAuth } from '../../harness/admin';
import { api, createUser, type TestUser } from '../../harness/auth';
import { TEST_FUNCTIONS_ENV, TEST_PROJECT_ID } from '../../harness/ports';
import { eventually } from '../../harness/eventually';

type Fns = typeof import('../../../functions/src/index');
type Wrapped = (request: CallableRequest) => Promise<any>;

/**
 * What firebase-functions hands the handler besides data and auth: the HTTP request (Express).
 * Under firebase-functions-test there is none, so this stands in for it: the headers the client
 * SDK sends, and a response that records the headers set on it.
 */
function rawRequest(user?: TestUser) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(user ? { authorization: `Bearer ${user.idToken}` } : {}) };
  const sent: Record<string, string> = {};
  const req = {
    method: 'POST',
    url: '/',
    originalUrl: '/',
    headers,
    rawHeaders: Object.entries(headers).flat(),
    socket: { remoteAddress: '127.0.0.1' },
    res: { setHeader: (name: string, value: string) => (sent[name.toLowerCase()] = value) },
  };
  return { req: req as unknown as CallableRequest['rawRequest'], sent };
}

describe('callable functions through firebase-functions-test', () => {
  const savedEnv = { ...process.env };
  let fft: ReturnType<typeof firebaseFunctionsTest>;
  let fns: Fns;

  beforeAll(async () => {
    // The same settings as the functions behind Hosting (KEYWARD_CACHE_TTL_MS…).
    Object.assign(process.env, TEST_FUNCTIONS_ENV);
    fft = firebaseFunctionsTest({ projectId: process.env.GOOGLE_CLOUD_PROJECT ?? TEST_PROJECT_ID });
    fns = await import('../../../functions/src/index');
  });
  afterAll(() => {
    fft?.cleanup();
    process.env = savedEnv;
  });

  /** Calls a wrapped callable as `user` (or as nobody); the result, and the headers it set. */
  async function call(name: 'createApiKey' | 'listApiKeys' | 'revokeApiKey' | 'regenerateApiKey', data: unknown, user?: TestUser, verified?: DecodedIdToken) {
    const wrapped = fft.wrap(fns[name] as CallableFunction<unknown, unknown>) as Wrapped;
    const { req, sent } = rawRequest(user);
    const auth = user ? { uid: user.uid, token: verified ?? (await adminAuth().verifyIdToken(user.idToken)), rawToken: user.idToken } : undefined;
    const result = await wrapped({ data, auth, rawRequest: req, acceptsStreaming: false });
    return { result, sent };
  }

  /** The HttpsError a call fails with: its callable code and the contract's code in details. */
  async function failure(promise: Promise<unknown>): Promise<{ code: string; detail: string; message: string }> {
    try {
      await promise;
    } catch (err) {
      const e = err as HttpsError;
      expect(e.constructor.name).toBe('HttpsError');
      return { code: e.code, detail: (e.details as { code: string }).code, message: e.message };
    }
    throw new Error('the call succeeded');
  }

  const useKey = (key: string) => api('/v1/me', { headers: { authorization: `ApiKey ${key}` } });

  it('creates a working key, lists it without secrets, regenerates and revokes it', async () => {
    const user = await createUser();
    const { result: created, sent } = await call('createApiKey', { name: 'from the console', scopes: [] }, user);
    expect(sent['cache-control']).toBe('no-store');
    expect(created).toMatchObject({ name: 'from the console', type: 'server', status: 'active', scopes: [] });
    expect(created.key).toMatch(new RegExp(`^server_${created.id}_[A-Za-z0-9]{38}$`));
    expect(created.signingSecret).toMatch(/^kws_/);
    expect((await useKey(created.key)).json).toMatchObject({ uid: user.uid, auth: { method: 'api_key', keyId: created.id } });

    const { result: listed } = await call('listApiKeys', undefined, user);
    expect(listed.keys.map((k: { id: string }) => k.id)).toEqual([created.id]);
    expect(listed.keys[0]).toMatchObject({ id: created.id, name: 'from the console', status: 'active' });
    const listedText = JSON.stringify(listed);
    for (const secretish of [created.key, created.key.split('_')[2], created.signingSecret]) expect(listedText).not.toContain(secretish);

    const { result: regenerated } = await call('regenerateApiKey', { id: created.id }, user);
    expect(regenerated).toMatchObject({ id: created.id, status: 'active' });
    expect(regenerated.key).not.toBe(created.key);
    expect(regenerated.signingSecret).not.toBe(created.signingSecret);
    // Hosting's instance had the old record cached: within its cache TTL (1 s on the test stack) the
    // new secret works there and the old one (no grace period) is refused.
    const regeneratedAt = Date.now();
    expect(await eventually(async () => (await useKey(regenerated.key)).status === 200, Boolean, { timeoutMs: 3000, everyMs: 50 })).toBe(true);
    expect(await eventually(async () => (await useKey(created.key)).status === 401, Boolean, { timeoutMs: 3000, everyMs: 50 })).toBe(true);
    expect(Date.now() - regeneratedAt).toBeLessThan(Number(TEST_FUNCTIONS_ENV.KEYWARD_CACHE_TTL_MS) + 1000);

    const { result: revoked } = await call('revokeApiKey', { id: created.id }, user);
    expect(revoked).toMatchObject({ id: created.id, status: 'revoked' });
    expect(await eventually(async () => (await useKey(regenerated.key)).status === 401, Boolean, { timeoutMs: 3000, everyMs: 100 })).toBe(true);
    expect((await useKey(regenerated.key)).json.error.code).toBe('revoked_credential');
    expect((await call('listApiKeys', {}, user)).result.keys[0].status).toBe('revoked');

    // Each audit entry names the callable that made it as its path.
    const trail = await api(`/v1/audit?keyId=${created.id}`, { headers: { authorization: `Bearer ${user.idToken}` } });
    const paths = Object.fromEntries(trail.json.entries.filter((e: any) => e.event.startsWith('key.')).map((e: any) => [e.event, e.request.path]));
    expect(paths).toEqual({ 'key.create': 'createApiKey', 'key.regenerate': 'regenerateApiKey', 'key.revoke': 'revokeApiKey' });
  });

  it('answers errors as HttpsError with the contract code in details', async () => {
    const alice = await createUser();
    const bob = await createUser();
    const { result: key } = await call('createApiKey', { name: 'alice' }, alice);

    for (const name of ['createApiKey', 'listApiKeys', 'revokeApiKey', 'regenerateApiKey'] as const) {
      expect(await failure(call(name, { name: 'x', id: key.id }))).toMatchObject({ code: 'unauthenticated', detail: 'unauthenticated' });
    }
    for (const data of [{ name: '' }, { name: 'x', type: 'root' }, { name: 'x', ownerUid: bob.uid }, ['x'], 'x']) {
      expect(await failure(call('createApiKey', data, alice))).toMatchObject({ code: 'invalid-argument', detail: 'invalid_request' });
    }
    expect(await failure(call('revokeApiKey', {}, alice))).toMatchObject({ code: 'invalid-argument', detail: 'invalid_request' });
    expect(await failure(call('regenerateApiKey', { id: key.id, gracePeriod: -1 }, alice))).toMatchObject({ code: 'invalid-argument', detail: 'invalid_request' });

    // Someone else's key does not exist for them, whatever they try.
    expect(await failure(call('revokeApiKey', { id: key.id }, bob))).toMatchObject({ code: 'not-found', detail: 'not_found' });
    expect(await failure(call('regenerateApiKey', { id: key.id }, bob))).toMatchObject({ code: 'not-found', detail: 'not_found' });
    expect((await call('listApiKeys', {}, bob)).result.keys).toEqual([]);
    expect((await useKey(key.key)).status).toBe(200);

    // A token firebase-functions verified while its user was enabled is refused once the user is
    // disabled (within the users cache TTL, 1 s here): the users directory is checked, not only the token.
    const verified = await adminAuth().verifyIdToken(bob.idToken);
    await adminAuth().updateUser(bob.uid, { disabled: true });
    const disabledAt = Date.now();
    const refusedDisabled = async () => (await call('listApiKeys', {}, bob, verified).then(() => false, () => true));
    expect(await eventually(refusedDisabled, Boolean, { timeoutMs: 3000, everyMs: 50 })).toBe(true);
    expect(Date.now() - disabledAt).toBeLessThan(Number(TEST_FUNCTIONS_ENV.KEYWARD_CACHE_TTL_MS) + 1000);
    expect(await failure(call('listApiKeys', {}, bob, verified))).toMatchObject({ code: 'unauthenticated', detail: 'revoked_credential' });
  });
});
