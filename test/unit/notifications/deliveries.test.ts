// Webhook deliveries (functions/src/notifications/deliveries.ts) over in-memory twins of the log,
// the settings, the queue and the clock, with a real receiver on loopback: the schedule, at most
// one attempt per attempt number however often a task is delivered, early tasks refused, 410 and
// long failure disabling the endpoint, and the owner's retry.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { TooEarly, webhookDeliveries, type DeliveryTask } from '../../../functions/src/notifications/deliveries';
import type { Notice } from '../../../functions/src/notifications/notice';
import { deriveWebhookSecret } from '../../../functions/src/notifications/standard-webhooks';
import type { MailMessage, WebhookSetting } from '../../../functions/src/store/notifications';
import type { DeliveryRecord, DeliveryStore } from '../../../functions/src/store/webhook-deliveries';
import { clock, memoryAuditSink, memorySecret, T0, users } from '../../harness/memory';

const DAY = 86_400_000;
const material = randomBytes(32);

function memoryDeliveries(): DeliveryStore & { docs: Map<string, DeliveryRecord> } {
  const docs = new Map<string, DeliveryRecord>();
  const claims = new Set<string>();
  return {
    docs,
    create: async (r) => (docs.has(r.id) ? false : (docs.set(r.id, structuredClone(r)), true)),
    get: async (id) => structuredClone(docs.get(id)),
    claimAttempt: async (id, n) => (claims.has(`${id}:${n}`) ? false : (claims.add(`${id}:${n}`), true)),
    update: async (id, change) => void docs.set(id, { ...docs.get(id)!, ...structuredClone(change) }),
    list: async (owner, limit) => [...docs.values()].filter((d) => owner === undefined || d.ownerUid === owner).slice(0, limit),
  };
}

describe('webhook deliveries', () => {
  let server: Server;
  let url: string;
  const answers: number[] = [];
  const received: { headers: Record<string, string>; body: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString() });
        res.writeHead(answers.shift() ?? 200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    answers.length = 0;
    received.length = 0;
  });

  function setup() {
    const time = clock(T0);
    const store = memoryDeliveries();
    const settingsDocs = new Map<string, WebhookSetting>([['owner-1', { url, salt: 'salt', version: '1', updatedAt: T0 - 1000 }]]);
    const mails: { id: string; to: string; message: MailMessage }[] = [];
    const queued: { task: DeliveryTask; delay: number }[] = [];
    const audit = memoryAuditSink();
    const logs: unknown[] = [];
    const deliveries = webhookDeliveries({
      store,
      settings: {
        webhook: async (uid) => structuredClone(settingsDocs.get(uid)),
        markWebhook: async (uid, updatedAt, change) => {
          const s = settingsDocs.get(uid);
          if (!s || s.updatedAt !== updatedAt) return false;
          settingsDocs.set(uid, { ...s, ...change });
          return true;
        },
        enqueueMail: async (id, to, message) => void mails.push({ id, to, message }),
      },
      users: users([{ uid: 'owner-1', email: 'owner@example.com' } as never]),
      hmacSecret: memorySecret([{ version: '1', material }]),
      audit,
      queue: { enqueue: async (task, delay) => void queued.push({ task, delay }) },
      destinations: { resolve: async () => ['127.0.0.1'], allowed: () => true },
      schedule: [0, 5, 300],
      timeoutMs: 2000,
      disableAfterMs: 5 * DAY,
      now: time.now,
      log: (entry) => void logs.push(entry),
    });
    const notice: Notice = { type: 'key.revoked', ownerUid: 'owner-1', keyId: 'KEY1', keyName: 'k', at: T0, by: 'owner' };
    return { time, store, settingsDocs, mails, queued, audit, logs, deliveries, notice };
  }
  const secret = deriveWebhookSecret(material, 'owner-1', 'salt');

  it('attempts on the schedule, once per attempt however often its task comes, and refuses a task before its time', async () => {
    const { time, store, queued, deliveries, notice, audit } = setup();
    const rec = await deliveries.start(notice, { url, salt: 'salt', version: '1', updatedAt: T0 - 1000 });
    await deliveries.start(notice, { url, salt: 'salt', version: '1', updatedAt: T0 - 1000 }); // the notice again: logged once
    expect(queued).toEqual([{ task: { deliveryId: rec.id, attempt: 0 }, delay: 0 }]);

    answers.push(503);
    await deliveries.run({ deliveryId: rec.id, attempt: 0 });
    await deliveries.run({ deliveryId: rec.id, attempt: 0 }); // Cloud Tasks delivered it twice
    expect(received).toHaveLength(1);
    expect(store.docs.get(rec.id)).toMatchObject({ state: 'pending', next: 1, nextRetryAt: T0 + 5000, attempts: [{ at: T0, status: 503 }] });
    // Attempt 1 queued with the schedule's delay; the duplicate only queued the same task again (one task id).
    expect(queued.slice(1)).toEqual([
      { task: { deliveryId: rec.id, attempt: 1 }, delay: 5 },
      { task: { deliveryId: rec.id, attempt: 1 }, delay: 5 },
    ]);

    await expect(deliveries.run({ deliveryId: rec.id, attempt: 1 })).rejects.toBeInstanceOf(TooEarly);
    expect(received).toHaveLength(1);
    time.advance(5000);
    await deliveries.run({ deliveryId: rec.id, attempt: 1 });
    expect(store.docs.get(rec.id)).toMatchObject({ state: 'delivered', next: 2, nextRetryAt: null });
    // The receiver's clock agrees with the frozen one that signed.
    const receiverClock = jest.spyOn(Date, 'now').mockReturnValue(time.now());
    try {
      expect(new Webhook(secret).verify(received[1]!.body, received[1]!.headers as never)).toMatchObject({ type: 'key.revoked' });
    } finally {
      receiverClock.mockRestore();
    }
    expect(received[1]!.headers['webhook-id']).toBe(received[0]!.headers['webhook-id']);
    await deliveries.run({ deliveryId: rec.id, attempt: 1 });
    expect(received).toHaveLength(2);
    expect(audit.events.map((e) => [e.event, e.outcome, e.reason])).toEqual([
      ['webhook.delivery', 'error', `key.revoked ${rec.id} attempt 1: HTTP 503`],
      ['webhook.delivery', 'success', `key.revoked ${rec.id} attempt 2: HTTP 200`],
    ]);
  });

  it('fails after the last attempt of the schedule; the owner’s retry makes one attempt, with nothing after it', async () => {
    const { time, store, queued, deliveries, notice } = setup();
    const rec = await deliveries.start(notice, { url, salt: 'salt', version: '1', updatedAt: T0 - 1000 });
    answers.push(500, 500, 500, 500);
    for (const [n, wait] of [[0, 0], [1, 5000], [2, 300_000]] as const) {
      time.advance(wait);
      await deliveries.run({ deliveryId: rec.id, attempt: n });
    }
    expect(store.docs.get(rec.id)).toMatchObject({ state: 'failed', next: 3, nextRetryAt: null });
    expect(queued.map((q) => q.task.attempt)).toEqual([0, 1, 2]);
    expect(await deliveries.retry(store.docs.get(rec.id)!)).toMatchObject({ state: 'pending', next: 3, manual: true });
    expect(await deliveries.retry(store.docs.get(rec.id)!)).toBe('busy');
    await deliveries.run({ deliveryId: rec.id, attempt: 3 });
    expect(store.docs.get(rec.id)).toMatchObject({ state: 'failed', attempts: [{}, {}, {}, { status: 500 }] });
    expect(queued.map((q) => q.task.attempt)).toEqual([0, 1, 2, 3]);
  });

  it('lets the owner retry a delivery stuck pending (its attempt claimed by an instance that died), with the next attempt number', async () => {
    const { time, store, queued, deliveries, notice } = setup();
    const rec = await deliveries.start(notice, { url, salt: 'salt', version: '1', updatedAt: T0 - 1000 });
    await store.claimAttempt(rec.id, 0, T0); // an instance claimed attempt 0 and died before recording it
    await deliveries.run({ deliveryId: rec.id, attempt: 0 }); // the queue's retry finds the claim taken
    expect([received.length, store.docs.get(rec.id)!.state]).toEqual([0, 'pending']);
    expect(await deliveries.retry(store.docs.get(rec.id)!)).toBe('busy');
    time.advance(15 * 60_000 + 1);
    expect(await deliveries.retry(store.docs.get(rec.id)!)).toMatchObject({ state: 'pending', next: 1 });
    await deliveries.run(queued[queued.length - 1]!.task);
    expect(store.docs.get(rec.id)).toMatchObject({ state: 'delivered', attempts: [{ status: 200 }] });
  });

  it('drops the task of a delivery whose document was deleted, with one log line of ids only, and attempts nothing', async () => {
    const { store, queued, audit, logs, deliveries, notice } = setup();
    const rec = await deliveries.start(notice, { url, salt: 'salt', version: '1', updatedAt: T0 - 1000 });
    store.docs.delete(rec.id); // deleted (with its owner, or by hand) after its first task was queued
    await expect(deliveries.run({ deliveryId: rec.id, attempt: 0 })).resolves.toBeUndefined(); // not retried by the queue
    expect(logs).toEqual([{ severity: 'WARNING', message: 'Webhook delivery task dropped: its delivery document no longer exists.', deliveryId: rec.id, attempt: 0 }]);
    expect(received).toHaveLength(0);
    expect(queued).toEqual([{ task: { deliveryId: rec.id, attempt: 0 }, delay: 0 }]);
    expect(store.docs.has(rec.id)).toBe(false);
    expect(audit.events).toEqual([]);
    // Ids only: no webhook URL, secret, signature or payload.
    const line = JSON.stringify(logs[0]);
    for (const kept of [url, new URL(url).host, secret, rec.body, 'KEY1', 'owner-1']) expect(line).not.toContain(kept);
  });

  it('logs nothing for a task whose delivery is no longer pending (delivered, failed or disabled: recorded already)', async () => {
    const { store, logs, deliveries, notice } = setup();
    const rec = await deliveries.start(notice, { url, salt: 'salt', version: '1', updatedAt: T0 - 1000 });
    await deliveries.run({ deliveryId: rec.id, attempt: 0 });
    expect(store.docs.get(rec.id)!.state).toBe('delivered');
    await deliveries.run({ deliveryId: rec.id, attempt: 0 });
    expect([received.length, logs]).toEqual([1, []]);
  });

  it('disables the endpoint on a 410, and after failing for 5 days, and mails the owner once each time', async () => {
    const { store, settingsDocs, mails, deliveries, notice, audit } = setup();
    const rec = await deliveries.start(notice, { url, salt: 'salt', version: '1', updatedAt: T0 - 1000 });
    answers.push(410);
    await deliveries.run({ deliveryId: rec.id, attempt: 0 });
    expect(store.docs.get(rec.id)).toMatchObject({ state: 'disabled', nextRetryAt: null });
    expect(settingsDocs.get('owner-1')).toMatchObject({ disabledAt: T0, disabledReason: 'the receiver answered 410 Gone' });
    expect(mails.map((m) => [m.to, m.message.subject])).toEqual([['owner@example.com', 'Your Keyward webhook was disabled']]);
    expect(await deliveries.retry(store.docs.get(rec.id)!)).toBe('no_webhook');
    const later = await deliveries.start({ ...notice, keyId: 'KEY2' }, settingsDocs.get('owner-1')!);
    expect(later.state).toBe('disabled');

    // Set again (enabled), then failing since a first failure 5 days ago.
    settingsDocs.set('owner-1', { url, salt: 'salt', version: '1', updatedAt: T0 + 1, failingSince: T0 - 5 * DAY });
    const third = await deliveries.start({ ...notice, keyId: 'KEY3' }, settingsDocs.get('owner-1')!);
    answers.push(500);
    await deliveries.run({ deliveryId: third.id, attempt: 0 });
    expect(store.docs.get(third.id)).toMatchObject({ state: 'disabled' });
    expect(settingsDocs.get('owner-1')!.disabledReason).toBe(`failing since ${new Date(T0 - 5 * DAY).toISOString()}`);
    expect(mails).toHaveLength(2);
    expect(audit.events.filter((e) => e.event === 'webhook.disable').map((e) => e.reason)).toEqual([
      `${new URL(url).origin}: the receiver answered 410 Gone`,
      `${new URL(url).origin}: failing since ${new Date(T0 - 5 * DAY).toISOString()}`,
    ]);
  });
});
