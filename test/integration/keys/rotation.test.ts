// Rotating the API keys' HMAC provider secret: a new version in Secret Manager.
// The rotation runs on a secret of its own (same kind as keyward-api-key-hmac: 32 random bytes),
// used by instances built in this process (KEYWARD_HMAC_SECRET): disabling a version of the stack's
// shared secret would refuse the keys of every other test running at the same time, and the
// functions behind Hosting list versions only every 5 minutes.
// - `fast` lists the versions every 300 ms (KEYWARD_SECRETS_TTL_MS): it drives the rotation;
// - `slow` and `slowSigner` keep the 5-minute default: the other instances of a deployment, which
//   meet keys made under a version they have not listed yet.
import { randomBytes } from 'node:crypto';
import { signRequest } from '../../../client/src';
import { adminDb } from '../../harness/admin';
import { createUser } from '../../harness/auth';
import { jsonHeaders } from '../../harness/keys';
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import { createKeyAt, fetchJson, meAt, secretManager } from './support';
import { eventually } from '../../harness/eventually';

const projectId = () => process.env.GOOGLE_CLOUD_PROJECT ?? 'demo-keyward';
const SECRET_ID = `keyward-api-key-hmac-rotation-${randomBytes(4).toString('hex')}`;
const secretName = () => `projects/${projectId()}/secrets/${SECRET_ID}`;

/** The provider secret version recorded with a key, as Firestore holds it. */
async function storedVersion(keyId: string): Promise<string> {
  const snap = await adminDb().collection('apiKeys').doc(keyId).get();
  return (snap.data() as { secrets: { version: string }[] }).secrets[0]!.version;
}

describe('API keys: provider secret rotation', () => {
  let client: Awaited<ReturnType<typeof secretManager>>;
  let fast: InProcessApp;
  let slow: InProcessApp;
  let slowSigner: InProcessApp;

  async function addVersion(): Promise<string> {
    const [version] = await client.addSecretVersion({ parent: secretName(), payload: { data: randomBytes(32) } });
    return String(version.name).split('/').pop()!;
  }

  beforeAll(async () => {
    client = await secretManager();
    await client.createSecret({ parent: `projects/${projectId()}`, secretId: SECRET_ID, secret: { replication: { automatic: {} } } });
    expect(await addVersion()).toBe('1');
    fast = await startInProcessApp({ KEYWARD_HMAC_SECRET: SECRET_ID, KEYWARD_SECRETS_TTL_MS: '300' });
    slow = await startInProcessApp({ KEYWARD_HMAC_SECRET: SECRET_ID });
    slowSigner = await startInProcessApp({ KEYWARD_HMAC_SECRET: SECRET_ID });
  });
  afterAll(async () => {
    for (const app of [fast, slow, slowSigner]) {
      await app?.close();
      await app?.services.audit.close();
    }
    await client?.deleteSecret({ name: secretName() }).catch(() => undefined);
    await client?.close();
  });

  const apiKey = (key: string) => ({ 'x-api-key': key });
  const signedMe = (app: InProcessApp, keyId: string, signingSecret: string) =>
    meAt(app.url, signRequest({ keyId, signingSecret }, { method: 'GET', url: `${app.url}/v1/me` }));

  it('keeps old keys working, makes new keys under the new version, and refuses a disabled version’s keys', async () => {
    const user = await createUser();
    const old = await createKeyAt(fast.url, user, { name: 'made under v1' });
    const migrated = await createKeyAt(fast.url, user, { name: 'regenerated after the rotation' });
    expect(await storedVersion(old.id)).toBe('1');
    // Every instance has listed the versions: [1].
    for (const app of [fast, slow, slowSigner]) expect((await meAt(app.url, apiKey(old.key))).status).toBe(200);
    expect((await signedMe(slowSigner, old.id, old.signingSecret)).status).toBe(200);

    const v2 = await addVersion();
    expect(v2).toBe('2');
    expect(await eventually(async () => fast.services.hmacSecret.peek()?.current.version === v2, Boolean, { timeoutMs: 5000, everyMs: 100 })).toBe(true);

    // A key created now records the new version and works; the old key keeps working.
    const fresh = await createKeyAt(fast.url, user, { name: 'made under v2' });
    expect(await storedVersion(fresh.id)).toBe(v2);
    expect((await meAt(fast.url, apiKey(fresh.key))).json).toMatchObject({ uid: user.uid, auth: { method: 'api_key', keyId: fresh.id } });
    expect((await meAt(fast.url, apiKey(old.key))).status).toBe(200);
    // Regenerating is how a key moves to the new version.
    const regen = await fetchJson(`${fast.url}/v1/keys/${migrated.id}/regenerate`, { method: 'POST', headers: jsonHeaders(user.idToken), body: '{}' });
    expect(regen.status).toBe(200);
    expect(await storedVersion(migrated.id)).toBe(v2);

    // Other instances still list only version 1 (for 5 minutes): they accept the new key at once,
    // with the key itself and with a request it signs, by listing the versions again.
    expect(slow.services.hmacSecret.peek()?.current.version).toBe('1');
    expect(slowSigner.services.hmacSecret.peek()?.current.version).toBe('1');
    expect((await meAt(slow.url, apiKey(fresh.key))).json).toMatchObject({ uid: user.uid, auth: { method: 'api_key', keyId: fresh.id } });
    expect((await signedMe(slowSigner, fresh.id, fresh.signingSecret)).json).toMatchObject({ uid: user.uid, auth: { method: 'signature', keyId: fresh.id } });
    expect(slow.services.hmacSecret.peek()?.current.version).toBe(v2);

    // Disabling version 1 refuses the keys made under it within the refresh bound (300 ms here;
    // KEYWARD_SECRETS_TTL_MS everywhere), and only those.
    const disabledAt = Date.now();
    await client.disableSecretVersion({ name: `${secretName()}/versions/1` });
    expect(await eventually(async () => (await meAt(fast.url, apiKey(old.key))).status === 401, Boolean, { timeoutMs: 3000, everyMs: 50 })).toBe(true);
    expect(Date.now() - disabledAt).toBeLessThan(300 + 1000);
    const refused = await meAt(fast.url, apiKey(old.key));
    expect([refused.status, refused.json.error.code]).toEqual([401, 'invalid_credential']);
    expect(refused.headers.get('www-authenticate')).toBeTruthy();
    expect((await signedMe(fast, old.id, old.signingSecret)).status).toBe(401);
    expect((await meAt(fast.url, apiKey(fresh.key))).status).toBe(200);
    expect((await meAt(fast.url, apiKey(regen.json.key))).status).toBe(200);
    expect((await signedMe(fast, fresh.id, fresh.signingSecret)).status).toBe(200);
  });
});
