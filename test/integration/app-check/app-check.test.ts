// Firebase App Check for client keys. The Firebase emulators have no App Check, and firebase-admin
// verifies App Check tokens only against Google's keys, so this test plays App Check: it holds an
// RS256 key pair, serves its JWKS from a loopback port (KEYWARD_APP_CHECK_JWKS_URL, honoured only
// under the emulators) and mints tokens with the claims App Check puts in them.
import express from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { createUser, type TestUser } from '../../harness/auth';
import { bearer, jsonHeaders } from '../../harness/keys';
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import { TEST_PROJECT_ID } from '../../harness/ports';
import { identityOf, keywardAuth } from '../../../functions/src/public';
import { createKeyAt, fetchJson, meAt } from '../keys/support';

const APP = '1:123456789012:android:0a1b2c3d4e5f6a7b';
const OTHER_APP = '1:123456789012:ios:ffffffffffffffff';

interface Signer {
  kid: string;
  privateKey: KeyLike;
}

async function newSigner(): Promise<Signer & { jwk: Record<string, unknown> }> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const kid = randomUUID();
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

/** A token as App Check issues it: RS256, iss the App Check issuer, aud the project, sub the app id. */
function mint(signer: Signer, appId: string, over: { expiresIn?: number; aud?: string[]; iss?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', kid: signer.kid, typ: 'JWT' })
    .setIssuer(over.iss ?? 'https://firebaseappcheck.googleapis.com/123456789012')
    .setSubject(appId)
    .setAudience(over.aud ?? ['projects/123456789012', `projects/${TEST_PROJECT_ID}`])
    .setIssuedAt(now - 10)
    .setExpirationTime(now + (over.expiresIn ?? 3600))
    .setJti(randomUUID())
    .sign(signer.privateKey);
}

describe('App Check for client keys', () => {
  let signer: Awaited<ReturnType<typeof newSigner>>;
  let jwksServer: Server;
  let a: InProcessApp;
  let user: TestUser;

  beforeAll(async () => {
    signer = await newSigner();
    jwksServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [signer.jwk] })));
    await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
    a = await startInProcessApp({ KEYWARD_APP_CHECK_JWKS_URL: `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/v1/jwks` });
    user = await createUser();
  });
  afterAll(async () => {
    await a?.close();
    await a?.services.audit.close();
    await new Promise<void>((r) => jwksServer?.close(() => r()));
  });

  const withToken = (key: string, token?: string) => ({ 'x-api-key': key, ...(token ? { 'x-firebase-appcheck': token } : {}) });

  it('refuses a mobile key without an App Check token, or with a foreign, forged, expired or misaddressed one, each 401 with its own code', async () => {
    const key = await createKeyAt(a.url, user, { name: 'app', type: 'mobile', appCheck: { appIds: [APP] } });
    expect(key.appCheck).toEqual({ appIds: [APP], consume: false });

    const missing = await meAt(a.url, withToken(key.key));
    expect([missing.status, missing.json.error.code]).toEqual([401, 'app_check_required']);
    expect(missing.headers.get('www-authenticate')).toBe('X-Firebase-AppCheck');

    const ok = await meAt(a.url, withToken(key.key, await mint(signer, APP)));
    expect([ok.status, ok.json.auth.keyId]).toEqual([200, key.id]);

    const stranger = await newSigner();
    for (const [what, token] of [
      ['another app', await mint(signer, OTHER_APP)],
      ['signed by someone else', await mint(stranger, APP)],
      ['expired', await mint(signer, APP, { expiresIn: -60 })],
      ['for another project', await mint(signer, APP, { aud: ['projects/999', 'projects/someone-else'] })],
      ['not from App Check', await mint(signer, APP, { iss: 'https://evil.example/' })],
      ['garbage', 'not.a.token'],
    ] as const) {
      const res = await meAt(a.url, withToken(key.key, token));
      expect([what, res.status, res.json.error.code]).toEqual([what, 401, 'invalid_app_check']);
    }
  });

  it('consumes tokens when the key asks for replay protection', async () => {
    const key = await createKeyAt(a.url, user, { name: 'replay', type: 'mobile', appCheck: { appIds: [APP, OTHER_APP], consume: true } });
    const token = await mint(signer, OTHER_APP);
    expect((await meAt(a.url, withToken(key.key, token))).status).toBe(200);
    const replay = await meAt(a.url, withToken(key.key, token));
    expect([replay.status, replay.json.error.code]).toEqual([401, 'invalid_app_check']);
    expect((await meAt(a.url, withToken(key.key, await mint(signer, OTHER_APP)))).status).toBe(200);
  });

  it('requires the token when such a key is exchanged for an access token, and leaves other keys alone', async () => {
    const key = await createKeyAt(a.url, user, { name: 'web app', type: 'web', allowedOrigins: ['https://app.example.com'], appCheck: { appIds: [APP] } });
    const issue = (headers: Record<string, string>) =>
      fetchJson(`${a.url}/v1/auth/issue`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://app.example.com', ...headers }, body: JSON.stringify({ api_key: key.key }) });
    const without = await issue({});
    expect([without.status, without.json.error.code]).toEqual([401, 'app_check_required']);
    expect((await issue({ 'x-firebase-appcheck': await mint(signer, APP) })).status).toBe(200);

    const plain = await createKeyAt(a.url, user, { name: 'plain mobile', type: 'mobile' });
    expect((await meAt(a.url, withToken(plain.key))).status).toBe(200);
  });

  it('refuses App Check settings on server keys and malformed app ids', async () => {
    for (const body of [
      { name: 'x', type: 'server', appCheck: { appIds: [APP] } },
      { name: 'x', type: 'mobile', appCheck: { appIds: [] } },
      { name: 'x', type: 'mobile', appCheck: { appIds: ['my-app'] } },
      { name: 'x', type: 'mobile', appCheck: { appIds: [APP], consume: 'yes' } },
      { name: 'x', type: 'mobile', appCheck: { appIds: [APP], extra: 1 } },
      { name: 'x', type: 'mobile', appCheck: [APP] },
    ]) {
      const res = await fetchJson(`${a.url}/v1/keys`, { method: 'POST', headers: jsonHeaders(user.idToken), body: JSON.stringify(body) });
      expect([res.status, res.json.error.code]).toEqual([400, 'invalid_request']);
    }
  });

  it('keywardAuth takes the same option for a project\'s own endpoints', async () => {
    const own = express();
    own.get('/reports', keywardAuth(a.services, { appCheck: { appIds: [APP] } }), (_req, res) => res.json({ uid: identityOf(res)?.uid }));
    const server = createServer(own);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/reports`;
    try {
      const missing = await fetchJson(url, { headers: bearer(user.idToken) });
      expect([missing.status, missing.json.error.code]).toEqual([401, 'app_check_required']);
      const foreign = await fetchJson(url, { headers: { ...bearer(user.idToken), 'x-firebase-appcheck': await mint(signer, OTHER_APP) } });
      expect([foreign.status, foreign.json.error.code]).toEqual([401, 'invalid_app_check']);
      const ok = await fetchJson(url, { headers: { ...bearer(user.idToken), 'x-firebase-appcheck': await mint(signer, APP) } });
      expect([ok.status, ok.json]).toEqual([200, { uid: user.uid }]);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
