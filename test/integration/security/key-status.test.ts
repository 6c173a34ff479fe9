// One decision for a key's status (keys/status.ts): each state a key can be in, run through each
// path that accepts a key or its tokens, on a deployment without a key prefix and on one with
// (KEYWARD_KEY_PREFIX=acme). Every path must give the same verdict for the same state, each in
// its own protocol's words: the contract's error on `/v1`, `keywardAuth` and issuance, OAuth's
// `invalid_client` at `/oauth/token`, `{"active": false}` at introspection, and for a leak report
// whether the key had to be revoked.
import express from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import { signRequest } from '../../../client/src';
import { keywardAuth, identityOf } from '../../../functions/src/public';
import { adminDb } from '../../harness/admin';
import { createUser, type TestUser } from '../../harness/auth';
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import { bearer, jsonHeaders, type CreatedKey } from '../../harness/keys';
import { fetchJson } from '../tokens/support';
import { newSigner, report, sendReport, startFakeGithub, type FakeGithub, type GithubSigner } from '../secret-scanning/fake-github';

type State = 'active' | 'revoked' | 'paused' | 'expired' | 'replaced' | 'redressed';
/** What `/v1` answers a credential in each state: 200, or 401 with this code. */
const VERDICT: Record<State, 'ok' | 'revoked_credential' | 'expired_credential' | 'invalid_credential'> = {
  active: 'ok',
  revoked: 'revoked_credential',
  paused: 'revoked_credential',
  expired: 'expired_credential',
  // The secret was regenerated away (no grace period): it, its signing secret and its tokens stop.
  replaced: 'revoked_credential',
  // The real secret under another prefix (checksum recomputed): not the key that was handed out.
  redressed: 'invalid_credential',
};
/** Whether a leak report of the key in this state revokes it (a paused key can be resumed: it must be). */
const LEAK_REVOKES: Record<State, boolean> = { active: true, revoked: false, paused: true, expired: false, replaced: false, redressed: true };
const STATES = Object.keys(VERDICT) as State[];

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** The key's secret under another prefix, with the checksum made for it (CRC-32 is public: anyone can). */
function redress(key: string, prefix: string): string {
  const [, type, keyId, secret] = /^(?:[a-z0-9]+_)?(server|web|mobile)_([A-Za-z0-9]{16})_([A-Za-z0-9]{38})$/.exec(key)!;
  const body = secret!.slice(0, 32);
  const head = `${prefix ? `${prefix}_` : ''}${type}_${keyId}_${body}`;
  let n = crc32(head);
  let sum = '';
  for (let i = 0; i < 6; i++) {
    sum = BASE62[n % 62] + sum;
    n = Math.floor(n / 62);
  }
  return head + sum;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const basic = (id: string, secret: string) => `Basic ${b64(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}`;

describe.each([
  ['a deployment without a key prefix', ''],
  ['a deployment with KEYWARD_KEY_PREFIX=acme', 'acme'],
])('one verdict for a key’s status on every path: %s', (_name, prefix) => {
  let app: InProcessApp;
  let integrator: Server;
  let integratorUrl: string;
  let github: FakeGithub;
  let signer: GithubSigner;
  let owner: TestUser;
  let introspector: CreatedKey;

  beforeAll(async () => {
    signer = newSigner();
    github = await startFakeGithub([signer]);
    app = await startInProcessApp({ KEYWARD_GITHUB_KEYS_URL: github.url, KEYWARD_GITHUB_KEYS_REFETCH_MS: '0', ...(prefix ? { KEYWARD_KEY_PREFIX: prefix } : {}) });
    // An integrator's own endpoint behind `keywardAuth`, on the same services.
    const site = express();
    site.get('/reports', keywardAuth(app.services), (_req, res) => void res.json({ uid: identityOf(res)!.uid, method: identityOf(res)!.method }));
    integrator = createServer(site);
    await new Promise<void>((r) => integrator.listen(0, '127.0.0.1', r));
    integratorUrl = `http://127.0.0.1:${(integrator.address() as AddressInfo).port}`;
    owner = await createUser();
    introspector = await create('introspector');
  }, 60_000);
  afterAll(async () => {
    await new Promise<void>((r) => integrator?.close(() => r()));
    await app?.close();
    await github?.close();
  });

  async function create(name: string): Promise<CreatedKey> {
    const res = await fetchJson(`${app.url}/v1/keys`, { method: 'POST', headers: jsonHeaders(owner.idToken), body: JSON.stringify({ name }) });
    expect(res.status).toBe(201);
    return res.json as CreatedKey;
  }

  /** A key put in `state`, with every credential of it made while it was active. */
  async function keyIn(state: State) {
    const key = await create(`status ${state}`);
    expect(key.key.startsWith(prefix ? `${prefix}_server_` : 'server_')).toBe(true);
    const issued = await fetchJson(`${app.url}/v1/auth/issue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api_key: key.key }) });
    expect(issued.status).toBe(200);
    const token = issued.json.token as string;
    const keyPath = `${app.url}/v1/keys/${key.id}`;
    let presented = key.key;
    switch (state) {
      case 'revoked':
        expect((await fetchJson(keyPath, { method: 'DELETE', headers: bearer(owner.idToken) })).json.status).toBe('revoked');
        break;
      case 'paused':
        expect((await fetchJson(keyPath, { method: 'PATCH', headers: jsonHeaders(owner.idToken), body: JSON.stringify({ disabled: true }) })).json.status).toBe('disabled');
        break;
      case 'expired':
        // No request can set a past expiry: the record is aged in Firestore, and this instance's cached copy dropped.
        await adminDb().collection('apiKeys').doc(key.id).update({ expiresAt: Date.now() - 1000 });
        app.services.keyCache.delete(key.id);
        break;
      case 'replaced':
        expect((await fetchJson(`${keyPath}/regenerate`, { method: 'POST', headers: jsonHeaders(owner.idToken), body: JSON.stringify({ gracePeriod: 0 }) })).status).toBe(200);
        break;
      case 'redressed':
        presented = redress(key.key, prefix ? '' : 'other');
        break;
      case 'active':
        break;
    }
    return { key, presented, token, secretPart: presented.split('_').pop()! };
  }

  it('takes ordinary query strings as queries, and refuses a key sent in one, on /v1 and behind keywardAuth', async () => {
    const key = await create('queries');
    const headers = { 'x-api-key': key.key };
    for (const base of [`${app.url}/v1/me`, `${integratorUrl}/reports`]) {
      const ordinary = await fetchJson(`${base}?type=web_app&plan=mobile_pro&key=name`, { headers });
      expect([base, ordinary.status, ordinary.json.uid]).toEqual([base, 200, owner.uid]);
      const leaked = await fetchJson(`${base}?q=${key.key}`, { headers: {} });
      expect([base, leaked.status, leaked.json.error.code]).toEqual([base, 400, 'credential_in_url']);
    }
  });

  it.each(STATES)('a key that is %s', async (state) => {
    const { key, presented, token, secretPart } = await keyIn(state);
    const verdict = VERDICT[state];
    const me = (headers: Record<string, string>) => fetchJson(`${app.url}/v1/me`, { headers });
    const refusedAs = (res: { status: number; json: any }) => (res.status === 200 ? 'ok' : `${res.status} ${res.json?.error?.code ?? res.json?.error}`);
    const expected = verdict === 'ok' ? 'ok' : `401 ${verdict}`;
    const tokenCarriesNoPrefix = state === 'redressed'; // tokens and signatures name the key by id: a prefix cannot be re-dressed on them

    // `/v1`: the key, its pair form, a signed request, its access token.
    expect(refusedAs(await me({ 'x-api-key': presented }))).toBe(expected);
    expect(refusedAs(await me({ 'x-api-key': b64(key.id), 'x-api-secret': b64(secretPart) }))).toBe(state === 'redressed' ? '401 invalid_credential' : expected);
    const signed = signRequest({ keyId: key.id, signingSecret: key.signingSecret }, { method: 'GET', url: `${app.url}/v1/me` });
    expect(refusedAs(await me(signed))).toBe(tokenCarriesNoPrefix ? 'ok' : expected);
    expect(refusedAs(await me(bearer(token)))).toBe(tokenCarriesNoPrefix ? 'ok' : expected);

    // An integrator's route behind keywardAuth.
    const guarded = await fetchJson(`${integratorUrl}/reports`, { headers: { 'x-api-key': presented } });
    expect(refusedAs(guarded)).toBe(expected);
    if (verdict === 'ok') expect(guarded.json).toEqual({ uid: owner.uid, method: 'api_key' });

    // Issuance, with the key in the body.
    const issued = await fetchJson(`${app.url}/v1/auth/issue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api_key: presented }) });
    expect(refusedAs(issued)).toBe(expected);

    // OAuth client credentials: any refusal is `invalid_client` (RFC 6749 §5.2).
    const oauth = await fetchJson(`${app.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(key.id, secretPart) },
      body: 'grant_type=client_credentials',
    });
    expect(refusedAs(oauth)).toBe(verdict === 'ok' ? 'ok' : '401 invalid_client');

    // Introspection of the token made while the key was active: active exactly when `/v1` accepts it.
    const introspected = await fetchJson(`${app.url}/oauth/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-api-key': introspector.key },
      body: new URLSearchParams({ token }).toString(),
    });
    expect(introspected.status).toBe(200);
    const active = verdict === 'ok' || tokenCarriesNoPrefix;
    expect(introspected.json).toEqual(
      active
        ? { active: true, scope: '', client_id: key.id, token_type: 'Bearer', sub: owner.uid, iss: expect.any(String), aud: expect.any(String), exp: expect.any(Number), iat: expect.any(Number), nbf: expect.any(Number), jti: expect.any(String), key_type: 'server' }
        : { active: false },
    );

    // A leak report of the key: always the key's (true positive); revoked only when the secret could still work.
    const reported = await sendReport(app.url, JSON.stringify([report(key.key)]), signer);
    expect(reported.status).toBe(200);
    expect(reported.json).toEqual([expect.objectContaining({ label: 'true_positive' })]);
    const after = await fetchJson(`${app.url}/v1/keys/${key.id}`, { headers: bearer(owner.idToken) });
    const statusBefore = { active: 'active', revoked: 'revoked', paused: 'disabled', expired: 'expired', replaced: 'active', redressed: 'active' }[state];
    expect(after.json.status).toBe(LEAK_REVOKES[state] ? 'revoked' : statusBefore);
  });
});
