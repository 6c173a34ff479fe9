// Notices, webhook signatures and webhook URLs (functions/src/notifications/): pure rules.
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { expiryThreshold, mailMessage, noticeId, webhookPayload, type Notice } from '../../../functions/src/notifications/notice';
import { deriveWebhookSecret, signatureHeader, verifyWebhook, webhookHeaders } from '../../../functions/src/notifications/standard-webhooks';
import { webhookUrl } from '../../../functions/src/notifications/webhooks';

const DAY = 86_400_000;

describe('expiryThreshold', () => {
  it('is the nearest threshold reached: 14 within 14 days, 3 within 3, none beyond or after expiry', () => {
    const now = 1_700_000_000_000;
    expect(expiryThreshold(now + 15 * DAY, now)).toBeUndefined();
    expect(expiryThreshold(now + 14 * DAY, now)).toBe(14);
    expect(expiryThreshold(now + 4 * DAY, now)).toBe(14);
    expect(expiryThreshold(now + 3 * DAY, now)).toBe(3);
    expect(expiryThreshold(now + 1, now)).toBe(3);
    expect(expiryThreshold(now, now)).toBeUndefined();
  });
});

describe('notices', () => {
  const expiring: Notice = { type: 'key.expiring', ownerUid: 'u1', keyId: 'AAAAAAAAAAAAAAAA', keyName: 'a&b', at: 0, expiresAt: 14 * DAY, daysBefore: 14 };
  it('have one id per key and threshold and expiry date, and one per leaked key', () => {
    expect(noticeId(expiring)).toBe(`key.expiring:14d:AAAAAAAAAAAAAAAA:${14 * DAY}`);
    expect(noticeId({ ...expiring, expiresAt: 15 * DAY })).not.toBe(noticeId(expiring));
    expect(noticeId({ type: 'key.leak', ownerUid: 'u1', keyId: 'AAAAAAAAAAAAAAAA', keyName: 'k', at: 5, credential: 'api_key' })).toBe('key.leak:AAAAAAAAAAAAAAAA');
    expect(noticeId({ type: 'key.revoked', ownerUid: 'u1', keyId: 'AAAAAAAAAAAAAAAA', keyName: 'k', at: 5, by: 'owner' })).toBe('key.revoked:AAAAAAAAAAAAAAAA');
    const limit: Notice = { type: 'key.limit', ownerUid: 'u1', keyId: 'AAAAAAAAAAAAAAAA', keyName: 'k', at: 5, kind: 'rate_limited', limit: 10, window: 'a/b:1', resetAt: 60_000 };
    expect(noticeId(limit)).toBe('key.limit:AAAAAAAAAAAAAAAA:a_b:1');
    expect(webhookPayload(limit)).toEqual({ id: noticeId(limit), type: 'key.limit', createdAt: '1970-01-01T00:00:00.005Z', data: { keyId: 'AAAAAAAAAAAAAAAA', keyName: 'k', reason: 'rate_limited', limit: 10, resetAt: '1970-01-01T00:01:00.000Z' } });
  });
  it('escape names in HTML and carry the same facts in the webhook payload', () => {
    expect(mailMessage(expiring).html).toContain('a&#38;b');
    expect(mailMessage(expiring).text).toContain('1970-01-15');
    expect(webhookPayload(expiring)).toEqual({ id: noticeId(expiring), type: 'key.expiring', createdAt: '1970-01-01T00:00:00.000Z', data: { keyId: 'AAAAAAAAAAAAAAAA', keyName: 'a&b', expiresAt: '1970-01-15T00:00:00.000Z', daysBefore: 14 } });
  });
});

describe('webhook signatures (Standard Webhooks)', () => {
  const secret = deriveWebhookSecret(Buffer.alloc(32, 7), 'u1', 'salt');
  const old = deriveWebhookSecret(Buffer.alloc(32, 7), 'u1', 'old-salt');
  const body = '{"id":"x"}';
  it('sign HMAC-SHA256 of "<id>.<timestamp>.<body>" under the whsec_ key, as the standardwebhooks library verifies', () => {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const key = Buffer.from(secret.slice(6), 'base64');
    expect(signatureHeader([secret], 'msg_1', 1000, body)).toBe(`v1,${createHmac('sha256', key).update(`msg_1.1000.${body}`).digest('base64')}`);
    const now = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders([secret, old], 'msg_1', now, body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    // Both the new and the rotated-out secret verify while both sign.
    expect(new Webhook(secret).verify(body, headers)).toEqual({ id: 'x' });
    expect(new Webhook(old).verify(body, headers)).toEqual({ id: 'x' });
    expect(() => new Webhook(deriveWebhookSecret(Buffer.alloc(32, 8), 'u1', 'salt')).verify(body, headers)).toThrow();
  });
  it('verify within the tolerance only, and only the body, id and time that were signed', () => {
    const h = webhookHeaders([secret], 'msg_1', 1000, body);
    const v = (over: Partial<Record<string, string>>, b = body, now = 1000) =>
      verifyWebhook(secret, { id: over['webhook-id'] ?? h['webhook-id']!, timestamp: over['webhook-timestamp'] ?? h['webhook-timestamp']!, signature: over['webhook-signature'] ?? h['webhook-signature']! }, b, now);
    expect(v({})).toBe(true);
    expect(v({}, body, 1300)).toBe(true);
    expect(v({}, body, 1301)).toBe(false);
    expect(v({}, `${body} `)).toBe(false);
    expect(v({ 'webhook-timestamp': '1001' }, body, 1001)).toBe(false);
    expect(v({ 'webhook-id': 'msg_2' })).toBe(false);
    for (const bad of ['', 'v1,', 'v2,' + h['webhook-signature']!.slice(3), 'v1,AAAA']) expect(v({ 'webhook-signature': bad })).toBe(false);
    expect(verifyWebhook('whsec_short', { id: 'msg_1', timestamp: '1000', signature: h['webhook-signature']! }, body, 1000)).toBe(false);
  });
});

describe('webhookUrl', () => {
  it('accepts public https URLs, and http and loopback only locally', () => {
    expect(webhookUrl('https://hooks.example.com/k?x=1', false)).toBe('https://hooks.example.com/k?x=1');
    for (const bad of ['http://hooks.example.com/', 'https://127.0.0.1/', 'https://10.1.2.3/', 'https://[::1]/', 'https://169.254.169.254/', 'https://localhost/', 'https://metadata.google.internal/', 'https://a:b@hooks.example.com/', 'nope']) {
      expect([bad, webhookUrl(bad, false)]).toEqual([bad, undefined]);
    }
    expect(webhookUrl('http://127.0.0.1:8080/h', true)).toBe('http://127.0.0.1:8080/h');
    expect(webhookUrl('http://10.0.0.1/h', true)).toBeUndefined();
  });
});
