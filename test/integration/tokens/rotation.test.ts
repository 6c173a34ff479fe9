// Rotating the token signing key: a new version of `keyward-token-signing` in Secret Manager.
// The functions behind Hosting cache the version list for KEYWARD_SECRETS_TTL_MS (5 min by
// default), so the rotation is driven through the same app built in this process with a short
// TTL, on the same emulators; Hosting then shows the cross-instance case: it meets tokens signed
// with a version it has not listed yet.
import { decodeProtectedHeader } from 'jose';
import { api } from '../../harness/auth';
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import { userWithKey } from '../../harness/keys';
import { addProviderSecretVersion } from '../../../scripts/seed-secrets';
import { disableVersion, fetchJson, issueToken, secretManager, TOKEN_SIGNING_SECRET, thirdPartyVerifier } from './support';
import { eventually } from '../../harness/eventually';

describe('access tokens: signing key rotation', () => {
  let app: InProcessApp;
  let client: Awaited<ReturnType<typeof secretManager>>;

  beforeAll(async () => {
    app = await startInProcessApp({ KEYWARD_SECRETS_TTL_MS: '300' });
    client = await secretManager();
  });
  afterAll(async () => {
    await client?.close();
    await app?.close();
    await app?.services.audit.close();
  });

  const kidOf = (token: string) => decodeProtectedHeader(token).kid!;
  const meAt = (baseUrl: string, token: string, via = 'header') =>
    via === 'query' ? fetchJson(`${baseUrl}/v1/me?token=${token}`) : fetchJson(`${baseUrl}/v1/me`, { headers: { authorization: `Bearer ${token}` } });

  it('signs new tokens with the new version, keeps old ones valid, and refuses a disabled version’s', async () => {
    const { key } = await userWithKey({ name: 'rotation' });
    const before = await issueToken(key.key, {}, app.url);
    const projectId = process.env.GOOGLE_CLOUD_PROJECT ?? 'demo-keyward';

    const a = await addProviderSecretVersion(client, projectId, TOKEN_SIGNING_SECRET);
    // The in-process app lists versions again within its 300 ms TTL.
    let withA = '';
    expect(await eventually(async () => kidOf((withA = await issueToken(key.key, {}, app.url))) === `v${a}`, Boolean, { timeoutMs: 5000 })).toBe(true);
    expect(kidOf(before)).not.toBe(`v${a}`);

    // Old and new tokens both work, and a third party verifies both with the JWKS.
    for (const t of [before, withA]) expect((await meAt(app.url, t)).status).toBe(200);
    const elsewhere = thirdPartyVerifier(app.url);
    expect((await elsewhere(before)).protectedHeader.kid).toBe(kidOf(before));
    expect((await elsewhere(withA)).protectedHeader.kid).toBe(`v${a}`);

    // Rotate again, then disable A: A's tokens stop, the others keep working.
    const b = await addProviderSecretVersion(client, projectId, TOKEN_SIGNING_SECRET);
    let withB = '';
    expect(await eventually(async () => kidOf((withB = await issueToken(key.key, {}, app.url))) === `v${b}`, Boolean, { timeoutMs: 5000 })).toBe(true);
    await disableVersion(client, String(a));
    expect(await eventually(async () => (await meAt(app.url, withA)).status === 401, Boolean, { timeoutMs: 5000 })).toBe(true);
    const refused = await meAt(app.url, withA, 'query');
    expect([refused.status, refused.json.error.code]).toEqual([401, 'invalid_credential']);
    expect((await meAt(app.url, before)).status).toBe(200);
    expect((await meAt(app.url, withB)).status).toBe(200);
    const kids = (await fetchJson(`${app.url}/.well-known/jwks.json`)).json.keys.map((k: { kid: string }) => k.kid);
    expect(kids).not.toContain(`v${a}`);
    expect(kids).toEqual(expect.arrayContaining([`v${b}`, kidOf(before)]));

    // Another instance (behind Hosting) whose cached list predates the rotation: meeting a newer
    // kid makes it list the versions again (at most every 10 s), so it accepts B's tokens at once
    // rather than after its KEYWARD_SECRETS_TTL_MS, and publishes B.
    const hosted = async () => (await api('/v1/me', { headers: { authorization: `Bearer ${withB}` } })).status === 200;
    expect(await eventually(hosted, Boolean, { timeoutMs: 12_000, everyMs: 1000 })).toBe(true);
    expect((await api('/v1/me', { headers: { authorization: `Bearer ${before}` } })).status).toBe(200);
    const hostedKids = (await api('/.well-known/jwks.json')).json.keys.map((k: { kid: string }) => k.kid);
    expect(hostedKids).toEqual(expect.arrayContaining([`v${b}`, kidOf(before)]));
    expect(hostedKids).not.toContain(`v${a}`);
  });
});
