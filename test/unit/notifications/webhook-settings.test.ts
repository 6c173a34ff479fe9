// Setting and removing the webhook (functions/src/notifications/webhooks.ts) over in-memory twins:
// the host resolved and judged before anything is written, each change audited as webhook.update
// with the URL's scheme and host only, and undone (503) when the audit entry cannot be written.
import { randomBytes } from 'node:crypto';
import { isKeywardError, type KeywardError } from '../../../functions/src/errors';
import type { Identity } from '../../../functions/src/identity';
import { addressAllowed } from '../../../functions/src/notifications/address';
import { webhookSettings } from '../../../functions/src/notifications/webhooks';
import type { WebhookSetting } from '../../../functions/src/store/notifications';
import { hostTable } from '../../harness/hosts';
import { clock, info, memoryAuditSink, memorySecret, T0 } from '../../harness/memory';

const owner: Identity = { uid: 'owner-1', claims: {}, method: 'session' };

function setup(allowLocal = false) {
  const docs = new Map<string, WebhookSetting>();
  const store = {
    docs,
    webhook: async (uid: string) => docs.get(uid),
    setWebhook: async (uid: string, s: WebhookSetting) => void docs.set(uid, structuredClone(s)),
    deleteWebhook: async (uid: string) => void docs.delete(uid),
  };
  const audit = memoryAuditSink();
  const resolve = hostTable({ 'hooks.example.com': ['93.184.215.14'], 'intranet.example.com': ['10.1.2.3'], 'mixed.example.com': ['93.184.215.14', 'fd00::1'], 'loop.example.com': ['127.0.0.1'], 'empty.example.com': [] });
  const settings = webhookSettings({
    store,
    hmacSecret: memorySecret([{ version: '1', material: randomBytes(32) }]),
    allowLocal,
    destinations: { resolve, allowed: (a) => addressAllowed(a, allowLocal) },
    resolveTimeoutMs: 1000,
    audit,
    now: clock(T0).now,
  });
  return { settings, docs, audit };
}

/** The error code a refused call throws (http/errors.ts maps it: invalid_request 400, unavailable 503). */
async function refusal(work: Promise<unknown>): Promise<string> {
  const err = (await work.then(() => undefined, (e: unknown) => e)) as KeywardError;
  expect(isKeywardError(err)).toBe(true);
  return err.code;
}

describe('webhookSettings', () => {
  it.each([
    ['a name of a private address', 'https://intranet.example.com/k'],
    ['a name with one private address among public ones', 'https://mixed.example.com/k'],
    ['a name of a loopback address, outside the emulator', 'https://loop.example.com/k'],
    ['a name that does not resolve', 'https://gone.example.com/k'],
    ['a name with no address', 'https://empty.example.com/k'],
  ])('refuses %s (invalid_request) and writes nothing', async (_what, url) => {
    const { settings, docs, audit } = setup();
    expect(await refusal(settings.set(owner, { url }, info()))).toBe('invalid_request');
    expect(docs.size).toBe(0);
    expect(audit.events.map((e) => [e.event, e.outcome, e.reason])).toEqual([['webhook.update', 'failure', 'invalid_request']]);
  });

  it('allows a loopback name in the emulator', async () => {
    const { settings, docs } = setup(true);
    await settings.set(owner, { url: 'http://loop.example.com:8080/k' });
    expect(docs.get('owner-1')?.url).toBe('http://loop.example.com:8080/k');
  });

  it('audits a set with the scheme and host only, and a removal; removing nothing is no change', async () => {
    const { settings, docs, audit } = setup();
    const set = await settings.set(owner, { url: 'https://hooks.example.com:8443/in/s3cr3tPath?token=abc' }, info());
    expect(docs.get('owner-1')?.url).toBe('https://hooks.example.com:8443/in/s3cr3tPath?token=abc');
    await settings.remove(owner, info());
    await settings.remove(owner, info());
    expect(docs.size).toBe(0);
    const actor = { uid: 'owner-1', method: 'session', keyId: undefined };
    expect(audit.events.map(({ event, outcome, actor, target, reason }) => ({ event, outcome, actor, target, reason }))).toEqual([
      { event: 'webhook.update', outcome: 'success', actor, target: { uid: 'owner-1' }, reason: 'set https://hooks.example.com:8443' },
      { event: 'webhook.update', outcome: 'success', actor, target: { uid: 'owner-1' }, reason: 'removed' },
    ]);
    const text = JSON.stringify(audit.events);
    for (const secret of [set.secret, 's3cr3tPath', 'token=abc']) expect(text).not.toContain(secret);
  });

  it('undoes a change whose audit entry cannot be written, and answers unavailable (503)', async () => {
    const { settings, docs, audit } = setup();
    await settings.set(owner, { url: 'https://hooks.example.com/first' });
    const first = structuredClone(docs.get('owner-1'));
    audit.failing = true;
    expect(await refusal(settings.set(owner, { url: 'https://hooks.example.com/second' }))).toBe('unavailable');
    expect(docs.get('owner-1')).toEqual(first);
    expect(await refusal(settings.remove(owner))).toBe('unavailable');
    expect(docs.get('owner-1')).toEqual(first);
    docs.clear();
    expect(await refusal(settings.set(owner, { url: 'https://hooks.example.com/third' }))).toBe('unavailable');
    expect(docs.size).toBe(0);
  });
});
