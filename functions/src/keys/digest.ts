/**
 * What Keyward keeps of a key: HMAC-SHA256 of its secret under the provider's HMAC key (a
 * Secret Manager version). Without that key a copy of the datastore verifies nothing.
 * The signing secret handed out at creation is derived the same way, with its own label and a
 * per-key salt, so it is never stored and changes when the key is regenerated.
 */
import { hash, timingSafeEqual } from 'node:crypto';
import { formatSigningSecret } from './format';
import { hmacKey } from './hmac-key';
import { memoized } from '../lib/memo';

export function keyDigest(providerKey: Buffer, keyId: string, secret: string): string {
  return keyDigestBytes(providerKey, keyId, secret).toString('base64url');
}

export function keyDigestBytes(providerKey: Buffer, keyId: string, secret: string): Buffer {
  return hmacKey(providerKey).digest(`keyward:key:v1:${keyId}:${secret}`);
}

// Stored digests decoded once per string, not on every verification (the hot path).
const decoded = memoized((stored) => Buffer.from(stored, 'base64url'), 50_000);

/** Constant-time comparison of a computed digest with a stored (base64url) one. */
export function digestMatches(computed: Buffer, stored: string): boolean {
  const bytes = decoded(stored);
  return bytes.length === computed.length && timingSafeEqual(bytes, computed);
}

/**
 * The signing secret of one stored secret. `prefix` is what the secret was minted with
 * (StoredSecret.signingPrefix): a string, '' included, gives the traceable form that names its
 * key (keys/format.ts); undefined gives the opaque `kws_…` form of secrets minted before it.
 */
export function signingSecret(providerKey: Buffer, keyId: string, salt: string, prefix?: string): string {
  const mac = hmacKey(providerKey).digest(`keyward:signing:v1:${keyId}:${salt}`);
  return prefix === undefined ? 'kws_' + mac.toString('base64url') : formatSigningSecret(prefix, keyId, mac);
}

/**
 * A public name for one secret of a key (changes with every regeneration): access tokens carry
 * it, so a token stops when the secret that minted it stops. Derived from the per-secret salt,
 * which is not secret itself; the hash keeps even that out of tokens.
 */
export function secretGeneration(salt: string): string {
  return generations(salt);
}

// Every key-based request names its secret's generation: the hash is taken once per salt (a salt
// is fixed for the life of its secret), not per request.
const generations = memoized((salt) => hash('sha256', `keyward:generation:v1:${salt}`, 'base64url').slice(0, 16), 50_000);

/** Constant-time comparison of two base64url/hex strings of possibly different lengths. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
