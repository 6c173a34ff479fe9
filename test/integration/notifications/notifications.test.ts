// Owners are told: on a leak revocation (a report from a simulated GitHub) and 14 and 3 days before a
// key expires, by a mail document in the shape the Firebase "Trigger Email" extension reads and by a
// signed webhook to the owner's URL; each notice once, each channel audited. Instances run in this
// process against the test stack's Firestore; a loopback server receives the webhooks.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createUser, type TestUser } from '../../harness/auth';
import { bearer, jsonHeaders } from '../../harness/keys';
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import { verifyWebhook } from '../../../functions/src/notifications/webhook-signature';
import {createKeyAt, fetchJson} from '../keys/support';
import { newSigner, report, sendReport, startFakeGithub, type FakeGithub, type GithubSigner } from '../secret-scanning/fake-github';
import { eventually } from '../../harness/eventually';
import { TEST_HOSTS } from '../../harness/hosts';

const DAY = 86_400_000;

interface Delivery {
  signature: string;
  body: string;
  json: any;
}

async function startReceiver(status = 200): Promise<{ url: string; deliveries: Delivery[]; close(): Promise<void> }> {
  const deliveries: Delivery[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      deliveries.push({ signature: String(req.headers['keyward-signature'] ?? ''), body, json: JSON.parse(body) });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/keyward`,
    deliveries,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('notifications to key owners', () => {
  let github: FakeGithub;
  let signer: GithubSigner;
  let a: InProcessApp;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let user: TestUser;
  let webhookSecret: string;
  // Names resolve from the harness's table, and `moving.example.com` from whatever a test puts here.
  const moving: { addresses: string[] } = { addresses: [] };
  const resolveHost = (host: string) => (host === 'moving.example.com' ? Promise.resolve(moving.addresses) : TEST_HOSTS(host));

  beforeAll(async () => {
    signer = newSigner();
    github = await startFakeGithub([signer]);
    receiver = await startReceiver();
    a = await startInProcessApp({ KEYWARD_GITHUB_KEYS_URL: github.url, KEYWARD_KEY_PREFIX: 'acme' }, { resolveHost });
    user = await createUser();
    const set = await fetchJson(`${a.url}/v1/notifications/webhook`, { method: 'PUT', headers: jsonHeaders(user.idToken), body: JSON.stringify({ url: receiver.url }) });
    expect(set.status).toBe(200);
    expect(set.json.url).toBe(receiver.url);
    expect(set.json.secret).toMatch(/^whsec_/);
    webhookSecret = set.json.secret;
  });
  afterAll(async () => {
    await a?.close();
    await a?.services.audit.close();
    await github?.close();
    await receiver?.close();
  });

  const mailDoc = async (id: string) => (await a.services.firestore().collection('mail').doc(id).get()).data();
  const forKey = (keyId: string) => receiver.deliveries.filter((d) => d.json.data.keyId === keyId);
  const noticeEntries = async (keyId: string) => {
    await a.services.audit.flush();
    const res = await fetchJson(`${a.url}/v1/audit?event=notification.send&keyId=${keyId}`, { headers: bearer(user.idToken) });
    return (res.json.entries as Array<{ outcome: string; reason: string }>).map((e) => `${e.outcome} ${e.reason}`).sort();
  };

  it('tells the owner of a leaked key by mail and by a signed webhook, once', async () => {
    const key = await createKeyAt(a.url, user, { name: 'prod <server>' });
    const body = JSON.stringify([report(key.key)]);
    expect((await sendReport(a.url, body, signer)).json[0].label).toBe('true_positive');

    const mail = await mailDoc(`key.leaked:${key.id}`);
    expect(mail).toMatchObject({ to: user.email, message: { subject: 'Your API key "prod <server>" leaked and was revoked' } });
    expect(mail!.message.text).toContain(report('').url);
    expect(mail!.message.html).toContain('prod &#60;server&#62;'); // the name is escaped in HTML
    expect(JSON.stringify(mail)).not.toContain(key.key.split('_').pop());

    const [delivery, ...more] = forKey(key.id);
    expect(more).toEqual([]);
    expect(verifyWebhook(webhookSecret, delivery!.signature, delivery!.body, Math.floor(Date.now() / 1000))).toBe(true);
    expect(verifyWebhook(webhookSecret, delivery!.signature, delivery!.body.replace('}', ' }'), Math.floor(Date.now() / 1000))).toBe(false);
    expect(delivery!.json).toMatchObject({ id: `key.leaked:${key.id}`, type: 'key.leaked', data: { keyId: key.id, credential: 'api_key', url: report('').url, source: 'content' } });
    expect(delivery!.body).not.toContain(key.key.split('_').pop());

    // GitHub reports it again: the key is already revoked, nobody is told twice.
    expect((await sendReport(a.url, body, signer)).json[0].label).toBe('true_positive');
    expect(forKey(key.id)).toHaveLength(1);
    expect(await noticeEntries(key.id)).toEqual(['success mail key.leaked', 'success webhook key.leaked: HTTP 200']);
  });

  it('sends expiry notices at 14 and 3 days before, once each, whenever the scheduler runs', async () => {
    const now = Date.now();
    const in10 = await createKeyAt(a.url, user, { name: 'ten days', expiresAt: new Date(now + 10 * DAY).toISOString() });
    const in2 = await createKeyAt(a.url, user, { name: 'two days', expiresAt: new Date(now + 2 * DAY).toISOString() });
    const in30 = await createKeyAt(a.url, user, { name: 'thirty days', expiresAt: new Date(now + 30 * DAY).toISOString() });
    const revoked = await createKeyAt(a.url, user, { name: 'revoked', expiresAt: new Date(now + 5 * DAY).toISOString() });
    expect((await fetchJson(`${a.url}/v1/keys/${revoked.id}`, { method: 'DELETE', headers: bearer(user.idToken) })).status).toBe(200);

    await a.services.notifications.sendExpiryNotices();
    await a.services.notifications.sendExpiryNotices(); // the scheduler ran twice: still one notice each
    const expires10 = Date.parse(in10.expiresAt as string);
    expect(await mailDoc(`key.expiring:14d:${in10.id}:${expires10}`)).toMatchObject({ to: user.email, message: { subject: expect.stringContaining('"ten days" expires on') } });
    expect(forKey(in10.id).map((d) => [d.json.type, d.json.data.daysBefore])).toEqual([['key.expiring', 14]]);
    expect(forKey(in2.id).map((d) => d.json.data.daysBefore)).toEqual([3]);
    expect(forKey(in30.id)).toEqual([]);
    expect(forKey(revoked.id)).toEqual([]);
    for (const d of [...forKey(in10.id), ...forKey(in2.id)]) expect(verifyWebhook(webhookSecret, d.signature, d.body, Math.floor(Date.now() / 1000))).toBe(true);

    // Eight days later, on another instance: the ten-day key is within 3 days now.
    const later = await startInProcessApp({}, { now: () => Date.now() + 8 * DAY });
    try {
      await later.services.notifications.sendExpiryNotices();
      await later.services.notifications.sendExpiryNotices();
      await later.services.audit.flush();
    } finally {
      await later.close();
      await later.services.audit.close();
    }
    expect(forKey(in10.id).map((d) => d.json.data.daysBefore)).toEqual([14, 3]);
    expect(forKey(in2.id).map((d) => d.json.data.daysBefore)).toEqual([3]);
    expect(await noticeEntries(in10.id)).toEqual([
      'success mail key.expiring',
      'success mail key.expiring',
      'success webhook key.expiring: HTTP 200',
      'success webhook key.expiring: HTTP 200',
    ]);
  });

  it('audits a webhook that fails as an error, and still sends the mail', async () => {
    const failing = await startReceiver(500);
    const other = await createUser();
    try {
      expect((await fetchJson(`${a.url}/v1/notifications/webhook`, { method: 'PUT', headers: jsonHeaders(other.idToken), body: JSON.stringify({ url: failing.url }) })).status).toBe(200);
      const key = await createKeyAt(a.url, other, { name: 'failing hook' });
      await sendReport(a.url, JSON.stringify([report(key.key)]), signer);
      expect(await mailDoc(`key.leaked:${key.id}`)).toMatchObject({ to: other.email });
      expect(failing.deliveries).toHaveLength(1);
      await a.services.audit.flush();
      const ok = await eventually(async () => {
        const res = await fetchJson(`${a.url}/v1/audit?event=notification.send&keyId=${key.id}`, { headers: bearer(other.idToken) });
        return res.json.entries.some((e: { outcome: string; reason: string }) => e.outcome === 'error' && e.reason === 'webhook key.leaked: HTTP 500');
      }, Boolean, { timeoutMs: 5000 });
      expect(ok).toBe(true);
    } finally {
      await failing.close();
    }
  });

  it('manages the webhook with interactive credentials only, and refuses URLs that are not public https', async () => {
    const owner = await createUser();
    const key = await createKeyAt(a.url, owner, { name: 'not for settings' });
    const url = `${a.url}/v1/notifications/webhook`;
    const withKey = await fetchJson(url, { method: 'PUT', headers: { 'x-api-key': key.key, 'content-type': 'application/json' }, body: JSON.stringify({ url: 'https://hooks.example.com/k' }) });
    expect([withKey.status, withKey.json.error.code]).toEqual([403, 'interactive_credential_required']);
    for (const bad of ['ftp://hooks.example.com/', 'https://user:pw@hooks.example.com/', 'http://10.0.0.1/hook', 'http://169.254.169.254/computeMetadata/v1/', 'https://metadata.google.internal./computeMetadata/v1/', 'https://metadata/', 'https://[::ffff:10.0.0.1]/', 'not a url', 'https://intranet.example.com/hook', 'https://rebound.example.com/hook', 'https://nowhere.example.com/hook']) {
      const res = await fetchJson(url, { method: 'PUT', headers: jsonHeaders(owner.idToken), body: JSON.stringify({ url: bad }) });
      expect([bad, res.status, res.json.error.code]).toEqual([bad, 400, 'invalid_request']);
    }
    expect((await fetchJson(url, { headers: bearer(owner.idToken) })).status).toBe(404);
    const set = await fetchJson(url, { method: 'PUT', headers: jsonHeaders(owner.idToken), body: JSON.stringify({ url: 'https://hooks.example.com/keyward' }) });
    expect(set.status).toBe(200);
    const got = await fetchJson(url, { headers: bearer(owner.idToken) });
    expect(got.json).toEqual({ url: 'https://hooks.example.com/keyward', updatedAt: set.json.updatedAt });
    expect(got.text).not.toContain('whsec_');
    expect((await fetchJson(url, { method: 'DELETE', headers: bearer(owner.idToken) })).status).toBe(204);
    expect((await fetchJson(url, { headers: bearer(owner.idToken) })).status).toBe(404);
  });

  it('refuses a delivery when the webhook host now resolves to a private address: nothing is sent, the mail still goes', async () => {
    const owner = await createUser();
    const target = await startReceiver();
    try {
      moving.addresses = ['127.0.0.1']; // a receiver on this machine: allowed in the emulator
      const hook = `http://moving.example.com:${new URL(target.url).port}/hooks/keyward`;
      expect((await fetchJson(`${a.url}/v1/notifications/webhook`, { method: 'PUT', headers: jsonHeaders(owner.idToken), body: JSON.stringify({ url: hook }) })).status).toBe(200);
      moving.addresses = ['10.0.0.9']; // the name now points into the project's network
      const key = await createKeyAt(a.url, owner, { name: 'moved hook' });
      await sendReport(a.url, JSON.stringify([report(key.key)]), signer);
      expect(await mailDoc(`key.leaked:${key.id}`)).toMatchObject({ to: owner.email });
      expect(target.deliveries).toEqual([]);
      await a.services.audit.flush();
      const entries = await eventually(async () => {
        const res = await fetchJson(`${a.url}/v1/audit?event=notification.send&keyId=${key.id}`, { headers: bearer(owner.idToken) });
        return (res.json.entries as Array<{ outcome: string; reason: string }>).map((e) => `${e.outcome} ${e.reason}`).sort();
      }, (e) => e.length === 2, { timeoutMs: 5000 });
      expect(entries).toEqual(['error webhook key.leaked: address refused', 'success mail key.leaked']);
    } finally {
      await target.close();
    }
  });

  it('audits setting and removing the webhook as webhook.update: its scheme and host, never its path or secret', async () => {
    const owner = await createUser();
    const url = `${a.url}/v1/notifications/webhook`;
    const refused = await fetchJson(url, { method: 'PUT', headers: jsonHeaders(owner.idToken), body: JSON.stringify({ url: 'https://intranet.example.com/hook' }) });
    expect([refused.status, refused.json.error.code]).toEqual([400, 'invalid_request']);
    const hook = 'https://hooks.example.com/in/Tok3nInPath?token=query-secret-1';
    const set = await fetchJson(url, { method: 'PUT', headers: jsonHeaders(owner.idToken), body: JSON.stringify({ url: hook }) });
    expect([set.status, set.json.url]).toEqual([200, hook]);
    expect((await fetchJson(url, { method: 'DELETE', headers: bearer(owner.idToken) })).status).toBe(204);
    expect((await fetchJson(url, { method: 'DELETE', headers: bearer(owner.idToken) })).status).toBe(204); // nothing left to remove: no entry

    await a.services.audit.flush();
    const entries = await eventually(async () => (await fetchJson(`${a.url}/v1/audit?event=webhook.update`, { headers: bearer(owner.idToken) })).json.entries as any[], (e) => e.length >= 3, { timeoutMs: 5000 });
    const actor = { uid: owner.uid, method: 'id_token' };
    expect(entries.map((e) => ({ event: e.event, outcome: e.outcome, actor: e.actor, target: e.target, reason: e.reason })).sort((x, y) => x.reason.localeCompare(y.reason))).toEqual([
      { event: 'webhook.update', outcome: 'failure', actor, target: { uid: owner.uid }, reason: 'invalid_request' },
      { event: 'webhook.update', outcome: 'success', actor, target: { uid: owner.uid }, reason: 'removed' },
      { event: 'webhook.update', outcome: 'success', actor, target: { uid: owner.uid }, reason: 'set https://hooks.example.com' },
    ]);
    const text = JSON.stringify(entries);
    for (const secret of [set.json.secret, 'whsec_', 'Tok3nInPath', 'query-secret-1']) expect(text).not.toContain(secret);
  });
});
