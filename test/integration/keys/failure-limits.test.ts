// Failed verifications are limited per client address (KEYWARD_FAILURE_LIMIT a minute) and per key
// id (KEYWARD_KEY_FAILURE_LIMIT an hour), counted across instances: past the limit a wrong key gets 429 with Retry-After instead of 401, and a valid
// credential is never locked out, whatever address it comes from. The instance is built in this
// process with a limit of 5; X-Forwarded-For stands for the address Hosting reports (one proxy hop).
import { signRequest } from '../../../client/src';
import { createUser } from '../../harness/auth';
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import { formatKey, newSecret } from '../../../functions/src/keys/format';
import { createKeyAt, keyHeaderForms, meAt, unknownKey } from './support';
import { issueToken } from '../tokens/support';
import type { ApiResponse } from '../../harness/auth';

const LIMIT = 5;
/** A fresh documentation address (TEST-NET-3) per call, so no two checks share an address counter. */
let lastHost = 0;
const newIp = () => `203.0.113.${++lastHost}`;

/** Address limits are per minute, key id limits per hour. */
function expectLimited(res: ApiResponse, windowSeconds = 60) {
  expect([res.status, res.json?.error?.code]).toEqual([429, 'rate_limited']);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
}

describe('API keys: failed-verification limits', () => {
  let app: InProcessApp;
  const me = (ip: string, headers: Record<string, string>) => meAt(app.url, { 'x-forwarded-for': ip, ...headers });

  beforeAll(async () => {
    // This test plays callers from many addresses: loopback is the trusted proxy that names them.
    app = await startInProcessApp({ KEYWARD_FAILURE_LIMIT: String(LIMIT), KEYWARD_KEY_FAILURE_LIMIT: String(LIMIT), KEYWARD_TRUSTED_PROXIES: 'loopback' });
  });
  afterAll(async () => {
    await app?.close();
    await app?.services.audit.close();
  });

  it('answers 429 with Retry-After to an address past the limit, and still lets its valid key through', async () => {
    const user = await createUser();
    const key = await createKeyAt(app.url, user);
    const ip = newIp();
    // Each failure names another key id, so only the address counter grows.
    for (let i = 0; i < LIMIT; i++) {
      const res = await me(ip, { 'x-api-key': unknownKey() });
      expect([res.status, res.json.error.code]).toEqual([401, 'invalid_credential']);
    }
    expectLimited(await me(ip, { 'x-api-key': unknownKey() }));
    expectLimited(await me(ip, { 'x-api-key': formatKey({ type: 'server', keyId: key.id, secret: newSecret('server', key.id) }) }));
    const forged = signRequest({ keyId: key.id, signingSecret: 'kws_not-the-secret' }, { method: 'GET', url: `${app.url}/v1/me` });
    expectLimited(await me(ip, forged));

    // The valid key from the same address: never locked out, in any form, nor a request it signs.
    for (const headers of keyHeaderForms(key.key)) {
      expect((await me(ip, headers)).json).toMatchObject({ uid: user.uid, auth: { method: 'api_key', keyId: key.id } });
    }
    const signed = signRequest({ keyId: key.id, signingSecret: key.signingSecret }, { method: 'GET', url: `${app.url}/v1/me` });
    expect((await me(ip, signed)).status).toBe(200);
    // Other addresses are not limited by this one's failures.
    expect((await me(newIp(), { 'x-api-key': unknownKey() })).status).toBe(401);
  });

  it('answers 429 to guesses at one key id from many addresses, and the key itself keeps working', async () => {
    const user = await createUser();
    const target = await createKeyAt(app.url, user);
    const other = await createKeyAt(app.url, user);
    const guess = () => formatKey({ type: 'server', keyId: target.id, secret: newSecret('server', target.id) });
    const ips = Array.from({ length: LIMIT + 1 }, newIp);
    for (const ip of ips.slice(0, LIMIT)) expect((await me(ip, { 'x-api-key': guess() })).status).toBe(401);
    const limited = await me(ips[LIMIT]!, { authorization: `ApiKey ${guess()}` });
    expectLimited(limited, 3600);

    for (const ip of [ips[0]!, newIp()]) {
      expect((await me(ip, { 'x-api-key': target.key })).json).toMatchObject({ uid: user.uid, auth: { keyId: target.id } });
    }
    // Another key is not limited by guesses at this one.
    expect((await me(newIp(), { 'x-api-key': formatKey({ type: 'server', keyId: other.id, secret: newSecret('server', other.id) }) })).status).toBe(401);
    expect((await me(newIp(), { 'x-api-key': other.key })).status).toBe(200);
  });

  it('counts bad ID tokens, access tokens and session cookies per address as well: 429 past the limit, a valid credential still passes', async () => {
    const user = await createUser();
    const key = await createKeyAt(app.url, user);
    const token = await issueToken(key.key, {}, app.url);
    const [header, payload] = token.split('.');
    // An access token whose signature is another's, an ID token for another project, a made-up cookie.
    const badAccessToken = `${header}.${payload}.${Buffer.alloc(64, 7).toString('base64url')}`;
    const [idHeader, idPayload, idSignature] = user.idToken.split('.');
    const claims = JSON.parse(Buffer.from(idPayload!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const badIdToken = `${idHeader}.${Buffer.from(JSON.stringify({ ...claims, aud: 'another-project', iss: 'https://securetoken.google.com/another-project' })).toString('base64url')}.${idSignature}`;
    const bad: Record<string, string>[] = [{ authorization: `Bearer ${badIdToken}` }, { authorization: `Bearer ${badAccessToken}` }, { cookie: '__session=not-a-session-cookie' }];

    const ip = newIp();
    for (let i = 0; i < LIMIT; i++) {
      const res = await me(ip, bad[i % bad.length]!);
      expect([res.status, res.json.error.code]).toEqual([401, 'invalid_credential']);
    }
    for (const headers of bad) expectLimited(await me(ip, headers));
    expectLimited(await me(ip, { 'x-api-key': unknownKey() })); // one count per address, whatever the kind

    // Valid credentials from that address are never locked out.
    expect((await me(ip, { authorization: `Bearer ${user.idToken}` })).json).toMatchObject({ uid: user.uid, auth: { method: 'id_token' } });
    expect((await me(ip, { authorization: `Bearer ${token}` })).json).toMatchObject({ uid: user.uid, auth: { method: 'access_token' } });
    // A failed key check counts once (in the key check), not again in the pipeline: a fresh address gets LIMIT of them.
    const other = newIp();
    for (let i = 0; i < LIMIT; i++) expect((await me(other, { 'x-api-key': unknownKey() })).status).toBe(401);
    expectLimited(await me(other, { authorization: `Bearer ${badIdToken}` }));
  });
});
