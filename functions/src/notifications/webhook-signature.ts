/**
 * Webhook signatures: `Keyward-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
 * under the owner's webhook secret (the scheme Stripe uses, so receivers know it). The secret is
 * derived from the HMAC provider secret and a salt, like signing secrets: never stored. Pure.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_SIGNATURE_HEADER = 'Keyward-Signature';

export function deriveWebhookSecret(providerKey: Buffer, uid: string, salt: string): string {
  return 'whsec_' + createHmac('sha256', providerKey).update(`keyward:webhook:v1:${uid}:${salt}`).digest('base64url');
}

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver runs: the header's signature matches and its timestamp is within `toleranceSeconds`. */
export function verifyWebhook(secret: string, header: string, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const parts = new Map(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1') ?? '';
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds || !/^[0-9a-f]{64}$/.test(v1)) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  return timingSafeEqual(expected, Buffer.from(v1));
}
