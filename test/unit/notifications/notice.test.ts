// Notices, webhook signatures and webhook URLs (functions/src/notifications/): pure rules.
import { createHmac } from 'node:crypto';
import { expiryThreshold, mailMessage, noticeId, webhookPayload, type Notice } from '../../../functions/src/notifications/notice';
import { signWebhook, verifyWebhook } from '../../../functions/src/notifications/webhook-signature';
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
    expect(noticeId({ type: 'key.leaked', ownerUid: 'u1', keyId: 'AAAAAAAAAAAAAAAA', keyName: 'k', at: 5, credential: 'api_key' })).toBe('key.leaked:AAAAAAAAAAAAAAAA');
  });
  it('escape names in HTML and carry the same facts in the webhook payload', () => {
    expect(mailMessage(expiring).html).toContain('a&#38;b');
    expect(mailMessage(expiring).text).toContain('1970-01-15');
    expect(webhookPayload(expiring)).toEqual({ id: noticeId(expiring), type: 'key.expiring', createdAt: '1970-01-01T00:00:00.000Z', data: { keyId: 'AAAAAAAAAAAAAAAA', keyName: 'a&b', expiresAt: '1970-01-15T00:00:00.000Z', daysBefore: 14 } });
  });
});

describe('webhook signatures', () => {
  const secret = 'whsec_test';
  const body = '{"id":"x"}';
  it('sign HMAC-SHA256 over "<t>.<body>" and verify within the tolerance only', () => {
    const header = signWebhook(secret, 1000, body);
    expect(header).toBe(`t=1000,v1=${createHmac('sha256', secret).update(`1000.${body}`).digest('hex')}`);
    expect(verifyWebhook(secret, header, body, 1200)).toBe(true);
    expect(verifyWebhook(secret, header, body, 1301)).toBe(false);
    expect(verifyWebhook('whsec_other', header, body, 1000)).toBe(false);
    expect(verifyWebhook(secret, header, `${body} `, 1000)).toBe(false);
    expect(verifyWebhook(secret, header.replace('t=1000', 't=1001'), body, 1000)).toBe(false);
    for (const bad of ['', 't=1000', 'v1=00', 't=x,v1=zz']) expect(verifyWebhook(secret, bad, body, 1000)).toBe(false);
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
