// Owners are told: on a leak revocation (a report from a simulated GitHub) and 14 and 3 days before a
// key expires, by a mail document in the shape the Firebase "Trigger Email" extension reads and by a
// signed webhook to the owner's URL (Standard Webhooks, verified with the `standardwebhooks` library);
// each notice once, each channel audited. Instances run in this process against the test stack's
// Firestore, with their task queue in process too; a loopback server receives the webhooks.
import { createUser, type TestUser } from '../../harness/auth';
import { bearer, jsonHeaders } from '../../harness/keys';
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import { createKeyAt, fetchJson } from '../keys/support';
import { newSigner, report, sendReport, startFakeGithub, type FakeGithub, type GithubSigner } from '../secret-scanning/fake-github';
import { eventually } from '../../harness/eventually';
import { TEST_HOSTS } from '../../harness/hosts';
import { startReceiver, verified } from './receiver';

const DAY = 86_400_000;

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
  const forKey = (keyId: string, type?: string) => receiver.deliveries.filter((d) => d.json.data.keyId === keyId && (type === undefined || d.json.type === type));
  const settled = (keyId: string, count: number, type?: string) => eventually(() => forKey(keyId, type), (d) => d.length >= count, { timeoutMs: 5000 });
  const noticeEntries = async (keyId: string) => {
    await a.services.audit.flush();
    const res = await fetchJson(`${a.url}/v1/audit?event=notification.send&keyId=${keyId}`, { headers: bearer(user.idToken) });
    return (res.json.entries as Array<{ outcome: string; reason: string }>).map((e) => `${e.outcome} ${e.reason}`).sort();
  };

  it('tells the owner of a leaked key by mail and by a signed webhook, once', async () => {
    const key = await createKeyAt(a.url, user, { name: 'prod <server>' });
    const body = JSON.stringify([report(key.key)]);
    expect((await sendReport(a.url, body, signer)).json[0].label).toBe('true_positive');

    const mail = await mailDoc(`key.leak:${key.id}`);
    expect(mail).toMatchObject({ to: user.email, message: { subject: 'Your API key "prod <server>" leaked and was revoked' } });
    expect(mail!.message.text).toContain(report('').url);
    expect(mail!.message.html).toContain('prod &#60;server&#62;'); // the name is escaped in HTML
    expect(JSON.stringify(mail)).not.toContain(key.key.split('_').pop());

    // The leak, and the revocation it caused (every revocation path tells the owner's webhook).
    await settled(key.id, 2);
    const [delivery, ...more] = forKey(key.id, 'key.leak');
    expect(more).toEqual([]);
    expect(verified(webhookSecret, delivery!)).toMatchObject({ id: `key.leak:${key.id}`, type: 'key.leak', data: { keyId: key.id, credential: 'api_key', url: report('').url, source: 'content' } });
    expect(() => verified(webhookSecret, { ...delivery!, body: delivery!.body.replace('}', ' }') })).toThrow();
    expect(forKey(key.id, 'key.revoked').map((d) => verified(webhookSecret, d).data.by)).toEqual(['secret_scanning']);
    expect(delivery!.body).not.toContain(key.key.split('_').pop());

    // GitHub reports it again: the key is already revoked, nobody is told twice.
    expect((await sendReport(a.url, body, signer)).json[0].label).toBe('true_positive');
    expect(forKey(key.id)).toHaveLength(2);
    const entries = await noticeEntries(key.id);
    expect(entries.map((e) => e.replace(/msg_[\w-]+/, 'msg'))).toEqual(['success mail key.leak', 'success webhook key.leak: queued msg', 'success webhook key.revoked: queued msg']);
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
    await settled(in10.id, 1, 'key.expiring');
    await settled(in2.id, 1, 'key.expiring');
    const expires10 = Date.parse(in10.expiresAt as string);
    expect(await mailDoc(`key.expiring:14d:${in10.id}:${expires10}`)).toMatchObject({ to: user.email, message: { subject: expect.stringContaining('"ten days" expires on') } });
    expect(forKey(in10.id).map((d) => [d.json.type, d.json.data.daysBefore])).toEqual([['key.expiring', 14]]);
    expect(forKey(in2.id).map((d) => d.json.data.daysBefore)).toEqual([3]);
    expect(forKey(in30.id)).toEqual([]);
    expect(forKey(revoked.id, 'key.expiring')).toEqual([]);
    expect((await settled(revoked.id, 1, 'key.revoked')).map((d) => verified(webhookSecret, d).data.by)).toEqual(['owner']);
    for (const d of [...forKey(in10.id), ...forKey(in2.id)]) expect(verified(webhookSecret, d).type).toBe('key.expiring');

    // Eight days later, on another instance: the ten-day key is within 3 days now.
    const later = await startInProcessApp({}, { now: () => Date.now() + 8 * DAY });
    try {
      await later.services.notifications.sendExpiryNotices();
      await later.services.notifications.sendExpiryNotices();
      await settled(in10.id, 2);
      await later.services.audit.flush();
    } finally {
      await later.close();
      await later.services.audit.close();
    }
    expect(forKey(in10.id).map((d) => d.json.data.daysBefore)).toEqual([14, 3]);
    expect(forKey(in2.id).map((d) => d.json.data.daysBefore)).toEqual([3]);
    expect((await noticeEntries(in10.id)).map((e) => e.replace(/msg_[\w-]+/, 'msg'))).toEqual([
      'success mail key.expiring',
      'success mail key.expiring',
      'success webhook key.expiring: queued msg',
      'success webhook key.expiring: queued msg',
    ]);
  });

  it('retries a webhook that fails on the schedule, audits every attempt as an error, and still sends the mail', async () => {
    const failing = await startReceiver([500]);
    const other = await createUser();
    try {
      expect((await fetchJson(`${a.url}/v1/notifications/webhook`, { method: 'PUT', headers: jsonHeaders(other.idToken), body: JSON.stringify({ url: failing.url }) })).status).toBe(200);
      const key = await createKeyAt(a.url, other, { name: 'failing hook' });
      await sendReport(a.url, JSON.stringify([report(key.key)]), signer);
      expect(await mailDoc(`key.leak:${key.id}`)).toMatchObject({ to: other.email });
      // KEYWARD_WEBHOOK_SCHEDULE=0,1,2 (test/harness/ports.ts): three attempts of each of the two notices, then none.
      const leak = await eventually(() => failing.deliveries.filter((d) => d.json.type === 'key.leak'), (d) => d.length >= 3, { timeoutMs: 8000 });
      expect(leak.map((d) => d.headers['webhook-id'])).toEqual(Array(3).fill(leak[0]!.headers['webhook-id']));
      expect(leak[2]!.at - leak[1]!.at).toBeGreaterThanOrEqual(1900);
      const log = await eventually(
        async () => (await fetchJson(`${a.url}/v1/notifications/deliveries`, { headers: bearer(other.idToken) })).json.deliveries as any[],
        (d) => d.length === 2 && d.every((x) => x.state === 'failed'),
        { timeoutMs: 5000 },
      );
      const leakLog = log.find((d) => d.event === 'key.leak');
      expect(leakLog).toMatchObject({ id: leak[0]!.headers['webhook-id'], keyId: key.id, endpoint: new URL(failing.url).origin, state: 'failed', nextRetryAt: null });
      expect(leakLog.attempts.map((x: any) => x.status)).toEqual([500, 500, 500]);
      expect(JSON.stringify(log)).not.toContain('receiver answer body');
      await a.services.audit.flush();
      const entries = await eventually(
        async () => ((await fetchJson(`${a.url}/v1/audit?event=webhook.delivery&keyId=${key.id}`, { headers: bearer(other.idToken) })).json.entries as any[]).map((e) => `${e.outcome} ${e.reason}`),
        (e) => e.length === 6,
        { timeoutMs: 5000 },
      );
      expect(entries.filter((e) => e.startsWith('error key.leak')).sort()).toEqual([1, 2, 3].map((n) => `error key.leak ${leakLog.id} attempt ${n}: HTTP 500`));
      expect(failing.deliveries).toHaveLength(6); // nothing after the schedule's last attempt
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
    // A body that is not the contract's is refused by its schema, naming the field (contract/requests.ts WebhookBody).
    for (const [body, field] of [[{ url: 5 }, '/url'], [{ url: '' }, '/url'], [{ url: 'https://hooks.example.com/k', extra: 1 }, '/extra'], [{}, '/url']] as const) {
      const res = await fetchJson(url, { method: 'PUT', headers: jsonHeaders(owner.idToken), body: JSON.stringify(body) });
      expect([res.status, res.json.error.code, res.json.error.field]).toEqual([400, 'invalid_request', field]);
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

  it('refuses a delivery when the webhook host now resolves to a private address: nothing is sent, the attempt is logged and audited, the mail still goes', async () => {
    const owner = await createUser();
    const target = await startReceiver();
    try {
      moving.addresses = ['127.0.0.1']; // a receiver on this machine: allowed in the emulator
      const hook = `http://moving.example.com:${new URL(target.url).port}/hooks/keyward`;
      expect((await fetchJson(`${a.url}/v1/notifications/webhook`, { method: 'PUT', headers: jsonHeaders(owner.idToken), body: JSON.stringify({ url: hook }) })).status).toBe(200);
      moving.addresses = ['10.0.0.9']; // the name now points into the project's network
      const key = await createKeyAt(a.url, owner, { name: 'moved hook' });
      await sendReport(a.url, JSON.stringify([report(key.key)]), signer);
      expect(await mailDoc(`key.leak:${key.id}`)).toMatchObject({ to: owner.email });
      const log = await eventually(
        async () => ((await fetchJson(`${a.url}/v1/notifications/deliveries`, { headers: bearer(owner.idToken) })).json.deliveries as any[]).find((d) => d.event === 'key.leak'),
        (d) => d?.state === 'failed',
        { timeoutMs: 8000 },
      );
      expect(log.attempts.map((x: any) => [x.error, x.status])).toEqual(Array(3).fill(['address refused', undefined]));
      expect(target.deliveries).toEqual([]);
      await a.services.audit.flush();
      const entries = await eventually(async () => {
        const res = await fetchJson(`${a.url}/v1/audit?event=webhook.delivery&keyId=${key.id}`, { headers: bearer(owner.idToken) });
        return (res.json.entries as Array<{ outcome: string; reason: string }>).map((e) => `${e.outcome} ${e.reason}`).filter((e) => e.includes('key.leak')).sort();
      }, (e) => e.length === 3, { timeoutMs: 5000 });
      expect(entries).toEqual([1, 2, 3].map((n) => `error key.leak ${log.id} attempt ${n}: address refused`));
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
