// What a webhook endpoint goes through besides single deliveries, in-process apps against the
// test stack's Firestore (their task queue in process): a rotated secret signs beside the new one
// for 24 hours; an endpoint failing for KEYWARD_WEBHOOK_DISABLE_AFTER_S is disabled and its owner
// mailed; a key that reaches its limit tells the webhook once per window. Receivers verify with
// the `standardwebhooks` library.
import { createUser, type TestUser } from '../../harness/auth';
import { bearer, jsonHeaders } from '../../harness/keys';
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import { eventually } from '../../harness/eventually';
import { createKeyAt, fetchJson } from '../keys/support';
import { startReceiver, verified, type Receiver } from './receiver';

const HOUR = 3_600_000;

describe('webhook endpoints', () => {
  let a: InProcessApp;
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    // Disabled after failing for 2 s (5 days in production), with the tests' schedule 0, 1, 2 s.
    a = await startInProcessApp({ KEYWARD_WEBHOOK_DISABLE_AFTER_S: '2' });
  });
  afterAll(async () => {
    await a?.close();
    for (const r of receivers) await r.close();
  });
  const receiver = async (answers: number[]) => {
    const r = await startReceiver(answers);
    receivers.push(r);
    return r;
  };
  const setWebhook = async (app: InProcessApp, user: TestUser, url: string) => {
    const res = await fetchJson(`${app.url}/v1/notifications/webhook`, { method: 'PUT', headers: jsonHeaders(user.idToken), body: JSON.stringify({ url }) });
    expect(res.status).toBe(200);
    return res.json.secret as string;
  };
  const revokeNewKey = async (app: InProcessApp, user: TestUser, name: string) => {
    const key = await createKeyAt(app.url, user, { name });
    expect((await fetchJson(`${app.url}/v1/keys/${key.id}`, { method: 'DELETE', headers: bearer(user.idToken) })).status).toBe(200);
    return key.id;
  };

  it('signs with the old secret beside the new one for 24 hours after a rotation, then with the new one only', async () => {
    const user = await createUser();
    const r = await receiver([200]);
    const old = await setWebhook(a, user, r.url);
    const fresh = await setWebhook(a, user, r.url);
    expect(fresh).not.toBe(old);
    await revokeNewKey(a, user, 'rotated');
    const [first] = await eventually(() => r.deliveries, (d) => d.length === 1, { timeoutMs: 5000 });
    expect(first!.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verified(fresh, first!).type).toBe('key.revoked');
    expect(verified(old, first!).type).toBe('key.revoked');

    const later = await startInProcessApp({}, { now: () => Date.now() + 24 * HOUR + 60_000 });
    try {
      await revokeNewKey(later, user, 'after the rotation');
      const [, second] = await eventually(() => r.deliveries, (d) => d.length === 2, { timeoutMs: 5000 });
      expect(second!.headers['webhook-signature']!.split(' ')).toHaveLength(1);
      const signedAt = Number(second!.headers['webhook-timestamp']) * 1000;
      // The receiver checks the timestamp against its own clock: that day later, as the sender's is.
      const clock = jest.spyOn(Date, 'now').mockReturnValue(signedAt);
      try {
        expect(verified(fresh, second!).data.keyName).toBe('after the rotation');
        expect(() => verified(old, second!)).toThrow(/No matching signature found/);
      } finally {
        clock.mockRestore();
      }
    } finally {
      await later.close();
    }
  });

  it('disables an endpoint that keeps failing past the limit, and tells its owner by mail', async () => {
    const user = await createUser();
    const r = await receiver([500]);
    await setWebhook(a, user, r.url);
    const keyId = await revokeNewKey(a, user, 'failing endpoint');
    const hook = await eventually(
      async () => (await fetchJson(`${a.url}/v1/notifications/webhook`, { headers: bearer(user.idToken) })).json,
      (w) => w.disabledAt !== undefined,
      { timeoutMs: 10_000 },
    );
    expect(hook.disabledReason).toMatch(/^failing since \d{4}-\d{2}-\d{2}T/);
    const log = (await fetchJson(`${a.url}/v1/notifications/deliveries`, { headers: bearer(user.idToken) })).json.deliveries.find((d: any) => d.keyId === keyId);
    // Disabled at the first failed attempt 2 s or more after the first failure, not before.
    const since = (at: string) => Date.parse(at) - Date.parse(log.attempts[0].at);
    const last = log.attempts[log.attempts.length - 1];
    expect([log.state, log.nextRetryAt, last.status, since(last.at) >= 2000]).toEqual(['disabled', null, 500, true]);
    for (const earlier of log.attempts.slice(0, -1)) expect([earlier.status, since(earlier.at) < 2000]).toEqual([500, true]);
    const mails = (await a.services.firestore().collection('mail').where('to', '==', user.email).get()).docs.map((d) => d.data());
    expect(mails.map((m) => m.message.subject)).toEqual(['Your Keyward webhook was disabled']);
    await a.services.audit.flush();
    const entries = await eventually(
      async () => (await fetchJson(`${a.url}/v1/audit?event=webhook.disable`, { headers: bearer(user.idToken) })).json.entries as any[],
      (e) => e.length === 1,
      { timeoutMs: 5000 },
    );
    expect(entries.map((e) => [e.outcome, e.reason])).toEqual([['success', `${new URL(r.url).origin}: ${hook.disabledReason}`]]);
    expect(r.deliveries).toHaveLength(log.attempts.length);
  });

  it('tells the webhook once when a key reaches its limit in a window', async () => {
    const user = await createUser();
    const r = await receiver([200]);
    const secret = await setWebhook(a, user, r.url);
    const key = await createKeyAt(a.url, user, { name: 'limited', limits: { requestsPerMinute: 1 } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetchJson(`${a.url}/v1/me`, { headers: { 'x-api-key': key.key } })).status);
    // Unless the minute turned between the calls, the second and third are refused; either way one window saw a refusal.
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    const [notice, ...more] = await eventually(() => r.deliveries.filter((d) => d.json.type === 'key.limit'), (d) => d.length >= 1, { timeoutMs: 5000 });
    expect(verified(secret, notice!)).toMatchObject({ type: 'key.limit', data: { keyId: key.id, keyName: 'limited', reason: 'rate_limited', limit: 1 } });
    expect(more).toEqual([]);
  });
});
