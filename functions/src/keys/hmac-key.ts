/**
 * HMAC-SHA256 under a provider key, prepared once per key: the hot path of every API key and
 * signature check. RFC 2104 spelled out, HMAC(K, m) = H((K ^ opad) || H((K ^ ipad) || m)), with
 * the two padded key blocks computed once and each hash a one-shot `crypto.hash` over a reused
 * buffer. On Node 24 this runs about 1.4 times as many verifications per second as `createHmac`
 * (with a Buffer or a prepared `KeyObject`, which measure the same): no Hmac object per call.
 * The unit tests hold it equal to `createHmac` for every key and message length.
 */
import { createHash, createHmac, createSecretKey, hash, type KeyObject } from 'node:crypto';

export interface HmacKey {
  /** HMAC-SHA256 of the UTF-8 message, 32 bytes. */
  digest(message: string): Buffer;
}

const BLOCK = 64;
/** Messages up to this many bytes use the reused buffer; longer ones take `createHmac`. */
const CAPACITY = 256;

export function prepareHmacKey(key: Buffer): HmacKey {
  const k = key.length > BLOCK ? createHash('sha256').update(key).digest() : key;
  const inner = Buffer.alloc(BLOCK + CAPACITY);
  const outer = Buffer.alloc(BLOCK + 32);
  for (let i = 0; i < BLOCK; i++) {
    const b = i < k.length ? k[i]! : 0;
    inner[i] = b ^ 0x36;
    outer[i] = b ^ 0x5c;
  }
  let fallback: KeyObject | undefined;
  return {
    digest(message) {
      // A UTF-16 code unit is at most 3 UTF-8 bytes: a message that fits for sure is never cut short.
      if (message.length * 3 > CAPACITY) return createHmac('sha256', (fallback ??= createSecretKey(key))).update(message, 'utf8').digest();
      const n = inner.write(message, BLOCK, 'utf8');
      hash('sha256', inner.subarray(0, BLOCK + n), 'buffer').copy(outer, BLOCK);
      return hash('sha256', outer, 'buffer');
    },
  };
}

// Provider key versions are Buffers that live as long as their cached version set.
const prepared = new WeakMap<Buffer, HmacKey>();

/** The prepared HMAC of this key material (made on first use, kept while the material lives). */
export function hmacKey(material: Buffer): HmacKey {
  let h = prepared.get(material);
  if (!h) prepared.set(material, (h = prepareHmacKey(material)));
  return h;
}
