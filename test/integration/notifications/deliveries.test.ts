// Webhook deliveries through the stack's real task queue: the API function (behind Hosting) logs a
// delivery and enqueues it with firebase-admin into the Functions emulator's Cloud Tasks emulator,
// which runs the `webhookDelivery` task function; retries follow KEYWARD_WEBHOOK_SCHEDULE
// (0,1,2 s in the tests: test/harness/ports.ts). Receivers verify with the `standardwebhooks`
// library, as any receiver would. The emulator runs a delayed task at once (firebase-tools #8254):
// the handler refuses an early task and the queue's retry (from 5 s) brings it back when due.
import { createUser, api, type TestUser } from '../../harness/auth';
import { adminDb } from '../../harness/admin';
import { bearer, jsonHeaders } from '../../harness/keys';
import { eventually } from '../../harness/eventually';
import { withRole } from '../audit/support';
import { startReceiver, verified, type Receiver } from './receiver';

const PATIENCE = { timeoutMs: 45_000, everyMs: 250 };

async function setWebhook(user: TestUser, url: string): Promise<string> {
  const set = await api('/v1/notifications/webhook', { method: 'PUT', headers: jsonHeaders(user.idToken), body: JSON.stringify({ url }) });
  expect(set.status).toBe(200);
  return set.json.secret as string;
}

/** A key made and revoked by its owner: a `key.revoked` notice to their webhook. */
async function revokeNewKey(user: TestUser, name: string): Promise<string> {
  const created = await api('/v1/keys', { method: 'POST', headers: jsonHeaders(user.idToken), body: JSON.stringify({ name }) });
  expect(created.status).toBe(201);
  expect((await api(`/v1/keys/${created.json.id}`, { method: 'DELETE', headers: bearer(user.idToken) })).status).toBe(200);
  return created.json.id as string;
}

const deliveriesOf = async (user: TestUser, query = '') => {
  const res = await api(`/v1/notifications/deliveries${query}`, { headers: bearer(user.idToken) });
  expect(res.status).toBe(200);
  return res.json.deliveries as any[];
};
const deliveryFor = (user: TestUser, keyId: string, done: (d: any) => boolean) =>
  eventually(async () => (await deliveriesOf(user)).find((d) => d.keyId === keyId), (d) => d !== undefined && done(d), PATIENCE);

describe('webhook deliveries through Cloud Tasks', () => {
  const receivers: Receiver[] = [];
  const receiver = async (answers: number[]) => {
    const r = await startReceiver(answers);
    receivers.push(r);
    return r;
  };
  afterAll(async () => {
    for (const r of receivers) await r.close();
  });

  it('retries a receiver that is down for its first two attempts, and the third is delivered and verifies with standardwebhooks', async () => {
    const user = await createUser();
    const down = await receiver([503, 503, 200]);
    const secret = await setWebhook(user, down.url);
    const keyId = await revokeNewKey(user, 'down twice');

    const log = await deliveryFor(user, keyId, (d) => d.state === 'delivered');
    expect(log).toMatchObject({ event: 'key.revoked', keyId, ownerUid: user.uid, endpoint: new URL(down.url).origin, state: 'delivered', nextRetryAt: null });
    expect(log.attempts.map((a: any) => a.status)).toEqual([503, 503, 200]);
    expect(down.deliveries).toHaveLength(3);
    // One message id on every attempt; each attempt signed at its own time.
    expect(down.deliveries.map((d) => d.headers['webhook-id'])).toEqual([log.id, log.id, log.id]);
    const payload = verified(secret, down.deliveries[2]!);
    expect(payload).toEqual({ id: `key.revoked:${keyId}`, type: 'key.revoked', createdAt: expect.any(String), data: { keyId, keyName: 'down twice', revokedAt: payload.createdAt, by: 'owner' } });
    // The schedule's waits were kept (1 s, then 2 s) although the emulator dispatches delayed tasks at once.
    expect(down.deliveries[1]!.at - down.deliveries[0]!.at).toBeGreaterThanOrEqual(900);
    expect(down.deliveries[2]!.at - down.deliveries[1]!.at).toBeGreaterThanOrEqual(1900);

    // Every attempt is audited.
    const entries = await eventually(
      async () => ((await api(`/v1/audit?event=webhook.delivery&keyId=${keyId}`, { headers: bearer(user.idToken) })).json.entries as any[]).map((e) => `${e.outcome} ${e.reason}`).sort(),
      (e) => e.length === 3,
      PATIENCE,
    );
    expect(entries).toEqual([`error key.revoked ${log.id} attempt 1: HTTP 503`, `error key.revoked ${log.id} attempt 2: HTTP 503`, `success key.revoked ${log.id} attempt 3: HTTP 200`]);
  });

  it('a replayed or re-timed delivery is rejected by the receiver library', async () => {
    const user = await createUser();
    const ok = await receiver([204]);
    const secret = await setWebhook(user, ok.url);
    await revokeNewKey(user, 'replayed');
    const [d] = await eventually(() => ok.deliveries, (x) => x.length === 1, PATIENCE);
    expect(verified(secret, d!).type).toBe('key.revoked');
    // Re-timed: a fresh timestamp on the old signature.
    const now = String(Math.floor(Date.now() / 1000) + 1);
    expect(() => verified(secret, { ...d!, headers: { ...d!.headers, 'webhook-timestamp': now } })).toThrow(/No matching signature found/);
    // Another message id on the same signature.
    expect(() => verified(secret, { ...d!, headers: { ...d!.headers, 'webhook-id': 'msg_other' } })).toThrow(/No matching signature found/);
    // Replayed as it was, six minutes later: outside the library's five-minute tolerance.
    const later = jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 6 * 60_000);
    try {
      expect(() => verified(secret, d!)).toThrow(/Message timestamp too old/);
    } finally {
      later.mockRestore();
    }
  });

  it('counts a redirect as a failure and never follows it', async () => {
    const user = await createUser();
    const elsewhere = await receiver([200]);
    const redirecting = await receiver([302]);
    redirecting.location = elsewhere.url;
    await setWebhook(user, redirecting.url);
    const keyId = await revokeNewKey(user, 'redirected');
    const log = await deliveryFor(user, keyId, (d) => d.state === 'failed');
    expect(log.attempts.map((a: any) => a.status)).toEqual([302, 302, 302]);
    expect(redirecting.deliveries).toHaveLength(3);
    expect(elsewhere.deliveries).toEqual([]);
  });

  it('stops at a 410: the endpoint is disabled and its owner mailed, later notices wait, a retry after setting it again delivers', async () => {
    const user = await createUser();
    const gone = await receiver([410]);
    await setWebhook(user, gone.url);
    const keyId = await revokeNewKey(user, 'gone');
    const log = await deliveryFor(user, keyId, (d) => d.state === 'disabled');
    expect(log.attempts.map((a: any) => a.status)).toEqual([410]);
    expect(log.nextRetryAt).toBeNull();
    const hook = await api('/v1/notifications/webhook', { headers: bearer(user.idToken) });
    expect(hook.json).toMatchObject({ url: gone.url, disabledReason: 'the receiver answered 410 Gone', disabledAt: expect.any(String) });
    const mails = await eventually(async () => (await adminDb().collection('mail').where('to', '==', user.email).get()).docs.map((m) => m.data()), (m) => m.length === 1, PATIENCE);
    expect(mails[0]!.message.subject).toBe('Your Keyward webhook was disabled');
    expect(mails[0]!.message.text).toContain(new URL(gone.url).origin);

    // A later notice is logged as disabled and not sent; a retry is refused while the webhook is disabled.
    const second = await revokeNewKey(user, 'while disabled');
    const waiting = await deliveryFor(user, second, (d) => d.state === 'disabled');
    expect(waiting.attempts).toEqual([]);
    const refused = await api(`/v1/notifications/deliveries/${waiting.id}/retry`, { method: 'POST', headers: bearer(user.idToken) });
    expect([refused.status, refused.json.error.code]).toEqual([409, 'conflict']);
    expect(gone.deliveries).toHaveLength(1);

    // The owner fixes the receiver and sets the webhook again: the retry goes out once, and is delivered.
    gone.answers = [200];
    const secret = await setWebhook(user, gone.url);
    const retried = await api(`/v1/notifications/deliveries/${waiting.id}/retry`, { method: 'POST', headers: bearer(user.idToken) });
    expect([retried.status, retried.json.id, retried.json.state, retried.json.error?.message]).toEqual([202, waiting.id, 'pending', undefined]);
    const done = await deliveryFor(user, second, (d) => d.state === 'delivered');
    expect(done.attempts.map((a: any) => a.status)).toEqual([200]);
    expect(gone.deliveries).toHaveLength(2);
    expect(verified(secret, gone.deliveries[1]!).data.keyId).toBe(second);
  });

  it('shows the log to interactive credentials only: owners their own, auditors everyone’s; retries are the owner’s', async () => {
    const owner = await createUser();
    const other = await createUser();
    const r = await receiver([500]);
    await setWebhook(owner, r.url);
    const keyId = await revokeNewKey(owner, 'logged');
    const mine = await deliveryFor(owner, keyId, (d) => d.state === 'failed');

    expect(await deliveriesOf(other)).toEqual([]);
    const otherRetry = await api(`/v1/notifications/deliveries/${mine.id}/retry`, { method: 'POST', headers: bearer(other.idToken) });
    expect([otherRetry.status, otherRetry.json.error.code]).toEqual([404, 'not_found']);
    const peek = await api(`/v1/notifications/deliveries?uid=${owner.uid}`, { headers: bearer(other.idToken) });
    expect([peek.status, peek.json.error.code]).toEqual([403, 'forbidden']);

    const key = await api('/v1/keys', { method: 'POST', headers: jsonHeaders(owner.idToken), body: JSON.stringify({ name: 'not for the log' }) });
    const withKey = await api('/v1/notifications/deliveries', { headers: { 'x-api-key': key.json.key } });
    expect([withKey.status, withKey.json.error.code]).toEqual([403, 'interactive_credential_required']);
    const retryWithKey = await api(`/v1/notifications/deliveries/${mine.id}/retry`, { method: 'POST', headers: { 'x-api-key': key.json.key } });
    expect([retryWithKey.status, retryWithKey.json.error.code]).toEqual([403, 'interactive_credential_required']);
    const bad = await api('/v1/notifications/deliveries?pageSize=0', { headers: bearer(owner.idToken) });
    expect([bad.status, bad.json.error.code, bad.json.error.field]).toEqual([400, 'invalid_request', '/pageSize']);

    const auditor = await withRole(await createUser(), { auditor: true });
    expect((await deliveriesOf(auditor, `?uid=${owner.uid}`)).map((d) => d.id)).toEqual([mine.id]);
    const auditorRetry = await api(`/v1/notifications/deliveries/${mine.id}/retry`, { method: 'POST', headers: bearer(auditor.idToken) });
    expect(auditorRetry.status).toBe(404);

    // The owner's retry: one more attempt, audited, no schedule after it; nothing changed by the refusals above.
    expect((await deliveriesOf(owner)).find((d) => d.id === mine.id).attempts).toHaveLength(3);
    const retried = await api(`/v1/notifications/deliveries/${mine.id}/retry`, { method: 'POST', headers: bearer(owner.idToken) });
    expect(retried.status).toBe(202);
    const after = await deliveryFor(owner, keyId, (d) => d.state === 'failed' && d.attempts.length === 4);
    expect(after.attempts.map((a: any) => a.status)).toEqual([500, 500, 500, 500]);
    expect(r.deliveries).toHaveLength(4);
  });
});
