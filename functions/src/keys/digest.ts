/**
 * What Keyward keeps of a key: HMAC-SHA256 of its secret under the provider's HMAC key (a
 * Secret Manager version). Without that key a copy of the datastore verifies nothing.
 * The signing secret handed out at creation is derived the same way, with its own label and a
 * per-key salt, so it is never stored and changes when the key is regenerated.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function keyDigest(providerKey: Buffer, keyId: string, secret: string): string {
  return createHmac('sha256', providerKey).update(`keyward:key:v1:${keyId}:${secret}`).digest('base64url');
}

export function signingSecret(providerKey: Buffer, keyId: string, salt: string): string {
  return 'kws_' + createHmac('sha256', providerKey).update(`keyward:signing:v1:${keyId}:${salt}`).digest('base64url');
}

/** Constant-time comparison of two base64url/hex strings of possibly different lengths. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
