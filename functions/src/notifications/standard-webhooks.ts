/**
 * The Standard Webhooks format (www.standardwebhooks.com), so receivers verify deliveries with a
 * library written for it rather than for Keyward: headers `webhook-id` (the delivery's id, the
 * same on every retry), `webhook-timestamp` (unix seconds of this attempt) and `webhook-signature`
 * (`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, several space-separated while a rotated
 * secret still signs). A secret is `whsec_` and the base64 of its 32-byte key; it is derived from
 * the HMAC provider secret and a salt, like signing secrets: never stored. Pure.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_ID_HEADER = 'webhook-id';
export const WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'webhook-signature';

const PREFIX = 'whsec_';

export function deriveWebhookSecret(providerKey: Buffer, uid: string, salt: string): string {
  return PREFIX + createHmac('sha256', providerKey).update(`keyward:webhook:v1:${uid}:${salt}`).digest('base64');
}

/** The key a `whsec_` secret carries; undefined for anything else. */
function keyOf(secret: string): Buffer | undefined {
  if (!secret.startsWith(PREFIX)) return undefined;
  const key = Buffer.from(secret.slice(PREFIX.length), 'base64');
  return key.length >= 24 ? key : undefined;
}

function sign(key: Buffer, id: string, timestamp: number, body: string): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
}

/** The `webhook-signature` value: one `v1,<base64>` per secret, space-separated (current first). */
export function signatureHeader(secrets: readonly string[], id: string, timestamp: number, body: string): string {
  return secrets
    .map((secret) => {
      const key = keyOf(secret);
      if (!key) throw new Error('not a whsec_ secret');
      return `v1,${sign(key, id, timestamp, body).toString('base64')}`;
    })
    .join(' ');
}

/** The three headers of one attempt. */
export function webhookHeaders(secrets: readonly string[], id: string, timestamp: number, body: string): Record<string, string> {
  return { [WEBHOOK_ID_HEADER]: id, [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp), [WEBHOOK_SIGNATURE_HEADER]: signatureHeader(secrets, id, timestamp, body) };
}

/**
 * What a receiver runs (the same check as the `standardwebhooks` libraries): one of the header's
 * `v1` signatures matches, compared in constant time, and the timestamp is within `toleranceSeconds`.
 */
export function verifyWebhook(secret: string, headers: { id: string; timestamp: string; signature: string }, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const key = keyOf(secret);
  const t = Number(headers.timestamp);
  if (!key || !/^\d+$/.test(headers.timestamp) || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = sign(key, headers.id, t, body);
  return headers.signature.split(' ').some((part) => {
    const [version, value] = part.split(',', 2);
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
