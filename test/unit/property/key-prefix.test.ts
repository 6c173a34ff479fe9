// Properties of the deployment prefix in keys and of traceable signing secrets (functions/src/keys/format.ts).
import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import { createHmac } from 'node:crypto';
import {
  formatKey,
  formatSigningSecret,
  isKeyPrefix,
  looksLikeKey,
  MAX_KEY_LENGTH,
  newKeyId,
  newSecret,
  parseKey,
  parseKeyPair,
  parseSigningSecret,
  type ParsedKey,
} from '../../../functions/src/keys/format';
import { signingSecret } from '../../../functions/src/keys/digest';
import { KEY_TYPES } from '../../../functions/src/identity';
import { BASE62, base62, hostileString, hostileUnit, replaceAt } from './arbitraries';

/** Independent oracle: CRC-32 of everything before the checksum, 6 base62 digits. */
function spec(text: string): string {
  let n = crc32(text);
  let out = '';
  for (let i = 0; i < 6; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

const prefix = fc
  .tuple(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'), fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'), minLength: 1, maxLength: 15 }))
  .map(([a, b]) => a + b)
  .filter(isKeyPrefix);

const prefixedKey: fc.Arbitrary<ParsedKey> = fc
  .record({ prefix, type: fc.constantFrom(...KEY_TYPES), keyId: base62(16), body: base62(32) })
  .map(({ prefix, type, keyId, body }) => ({ prefix, type, keyId, secret: body + spec(`${prefix}_${type}_${keyId}_${body}`) }));

describe('keys with a deployment prefix (property)', () => {
  it('round-trip through the string and, given the prefix, through the pair form', () => {
    fc.assert(
      fc.property(prefixedKey, (key) => {
        const text = formatKey(key);
        expect(text.startsWith(`${key.prefix}_${key.type}_`)).toBe(true);
        expect(text.length).toBeLessThanOrEqual(MAX_KEY_LENGTH);
        expect(looksLikeKey(text)).toBe(true);
        expect(parseKey(text)).toEqual(key);
        expect(parseKeyPair(key.keyId, key.secret, [key.prefix!, ''])).toEqual(key);
        // Without its prefix the checksum does not match: the pair form needs the deployment's prefix.
        expect(parseKeyPair(key.keyId, key.secret, [''])).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('refuses the key under another prefix, or with the prefix dropped (the checksum covers it)', () => {
    fc.assert(
      fc.property(prefixedKey, prefix, (key, other) => {
        fc.pre(other !== key.prefix);
        expect(parseKey(formatKey({ ...key, prefix: other }))).toBeUndefined();
        expect(parseKey(formatKey({ ...key, prefix: undefined }))).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('refuses every single-character substitution', () => {
    fc.assert(
      fc.property(prefixedKey, fc.nat(), fc.oneof(fc.constantFrom(...BASE62), hostileUnit), (key, at, ch) => {
        const text = formatKey(key);
        const i = at % text.length;
        fc.pre(ch !== text[i]);
        expect(parseKey(replaceAt(text, i, ch))).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });

  it('newSecret makes keys that parse with their prefix, and keys without one still parse', () => {
    for (const type of KEY_TYPES) {
      const keyId = newKeyId();
      expect(parseKey(`acme_${type}_${keyId}_${newSecret(type, keyId, 'acme')}`)).toMatchObject({ prefix: 'acme', type, keyId });
      const legacy = parseKey(`${type}_${keyId}_${newSecret(type, keyId)}`);
      expect(legacy).toMatchObject({ type, keyId });
      expect(legacy).not.toHaveProperty('prefix');
    }
  });

  it('accepts only lowercase prefixes of 2-16 characters that are not reserved words', () => {
    for (const ok of ['acme', 'a1', 'kwprod2026']) expect(isKeyPrefix(ok)).toBe(true);
    for (const bad of ['', 'a', 'Acme', '1acme', 'ac_me', 'server', 'web', 'mobile', 'kws', 'a'.repeat(17)]) expect(isKeyPrefix(bad)).toBe(false);
  });
});

describe('traceable signing secrets (property)', () => {
  const mac = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((a) => Buffer.from(a));

  it('name their key id and prefix, and refuse any substitution', () => {
    fc.assert(
      fc.property(fc.option(prefix, { nil: undefined }), base62(16), mac, fc.nat(), fc.constantFrom(...BASE62), (p, keyId, m, at, ch) => {
        const text = formatSigningSecret(p ?? '', keyId, m);
        expect(text).toMatch(new RegExp(`^${p ? `${p}_` : ''}kws_${keyId}_[A-Za-z0-9]{49}$`));
        expect(text.slice(-6)).toBe(spec(text.slice(0, -6)));
        expect(parseSigningSecret(text)).toEqual(p ? { prefix: p, keyId } : { keyId });
        expect(parseKey(text)).toBeUndefined();
        const i = at % text.length;
        fc.pre(ch !== text[i]);
        expect(parseSigningSecret(replaceAt(text, i, ch))).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('never throws and is never fooled by arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(hostileString(100), fc.string({ maxLength: 100 })), (input) => {
        const parsed = parseSigningSecret(input);
        if (parsed) expect(input).toContain(`kws_${parsed.keyId}_`);
      }),
      { numRuns: 500 },
    );
  });

  it('keep the opaque form for secrets minted before the traceable one', () => {
    const material = Buffer.alloc(32, 7);
    const mac = createHmac('sha256', material).update('keyward:signing:v1:AAAAAAAAAAAAAAAA:salt').digest();
    expect(signingSecret(material, 'AAAAAAAAAAAAAAAA', 'salt')).toBe(`kws_${mac.toString('base64url')}`);
    expect(signingSecret(material, 'AAAAAAAAAAAAAAAA', 'salt', 'acme')).toBe(formatSigningSecret('acme', 'AAAAAAAAAAAAAAAA', mac));
    expect(parseSigningSecret(signingSecret(material, 'AAAAAAAAAAAAAAAA', 'salt'))).toBeUndefined();
  });
});
