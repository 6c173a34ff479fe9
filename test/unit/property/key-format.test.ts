// Properties of the API key string parser (functions/src/keys/format.ts).
import fc from 'fast-check';
import { formatKey, isKeyId, looksLikeKey, MAX_KEY_LENGTH, parseKey, parseKeyPair, type ParsedKey } from '../../../functions/src/keys/format';
import { KEY_TYPES } from '../../../functions/src/identity';
import { BASE62, base62, hostileString, hostileUnit, replaceAt, specChecksum, validKey } from './arbitraries';

const isValidShape = (k: ParsedKey) =>
  (KEY_TYPES as readonly string[]).includes(k.type) && /^[A-Za-z0-9]{16}$/.test(k.keyId) && /^[A-Za-z0-9]{38}$/.test(k.secret);

/** Strings near the key shape: a type, underscores and base62 runs of about the right lengths, with hostile bits. */
const nearKey: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...KEY_TYPES, 'Server', 'admin', '', 'web '),
    fc.constantFrom('_', '-', '__', ''),
    fc.string({ unit: fc.oneof(fc.constantFrom(...BASE62), hostileUnit), minLength: 14, maxLength: 18 }),
    fc.constantFrom('_', '-', ''),
    fc.string({ unit: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...BASE62) }, hostileUnit), minLength: 36, maxLength: 40 }),
  )
  .map((parts) => parts.join(''));

describe('parseKey (property)', () => {
  it('returns undefined or a well-formed key that formats back to the input, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(hostileString(80), nearKey, fc.string({ unit: 'binary', maxLength: 80 })), (input) => {
        const key = parseKey(input);
        if (key === undefined) return;
        expect(isValidShape(key)).toBe(true);
        expect(formatKey(key)).toBe(input);
        expect(key.secret.slice(32)).toBe(specChecksum(key.type, key.keyId, key.secret.slice(0, 32)));
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips every valid key through formatKey, and through the pair form', () => {
    fc.assert(
      fc.property(validKey, (key) => {
        const text = formatKey(key);
        expect(text.length).toBeLessThanOrEqual(MAX_KEY_LENGTH);
        expect(looksLikeKey(text)).toBe(true);
        expect(parseKey(text)).toEqual(key);
        expect(parseKeyPair(key.keyId, key.secret)).toEqual(key);
        expect(isKeyId(key.keyId)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses every single-character substitution of a valid key', () => {
    // True without exception, not just with high probability: a substitution in the type, the
    // id or the secret body changes one byte of the CRC-32 input, and CRC-32 detects every error
    // confined to 32 consecutive bits; one in the checksum itself changes the compared string;
    // one in a separator or a non-base62 character breaks the shape.
    fc.assert(
      fc.property(validKey, fc.nat(), fc.oneof(fc.constantFrom(...BASE62), hostileUnit), (key, at, ch) => {
        const text = formatKey(key);
        const i = at % text.length;
        fc.pre(ch !== text[i]);
        expect(parseKey(replaceAt(text, i, ch))).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses every swap of two adjacent characters before the checksum, and every single insertion or deletion', () => {
    fc.assert(
      fc.property(validKey, fc.nat(), fc.nat(), fc.constantFrom(...BASE62, '_'), (key, a, b, ch) => {
        const text = formatKey(key);
        // Swap within `<type>_<id>_<body>`: a burst of at most 16 bits, which CRC-32 always detects.
        const covered = text.length - 6;
        const i = a % (covered - 1);
        if (text[i] !== text[i + 1]) {
          expect(parseKey(text.slice(0, i) + text[i + 1] + text[i] + text.slice(i + 2))).toBeUndefined();
        }
        // No type is one character longer or shorter than another, so a length change is never a key.
        const j = b % (text.length + 1);
        expect(parseKey(text.slice(0, j) + ch + text.slice(j))).toBeUndefined();
        const k = b % text.length;
        expect(parseKey(text.slice(0, k) + text.slice(k + 1))).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a valid key under another type (the checksum covers the type)', () => {
    fc.assert(
      fc.property(validKey, fc.constantFrom(...KEY_TYPES), (key, other) => {
        fc.pre(other !== key.type);
        expect(parseKey(formatKey({ ...key, type: other }))).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('refuses oversized input before matching, quickly, whatever its content', () => {
    let elapsed = 0;
    fc.assert(
      fc.property(
        validKey,
        fc.integer({ min: 1, max: 200_000 }),
        fc.constantFrom('a', '_', '0', 'server_', ' '),
        (key, extra, filler) => {
          const input = formatKey(key) + filler.repeat(extra);
          const start = process.hrtime.bigint();
          const parsed = parseKey(input);
          elapsed += Number(process.hrtime.bigint() - start) / 1e6;
          expect(parsed).toBeUndefined();
        },
      ),
      { numRuns: 100 },
    );
    // The length check runs first: 100 parses of up to ~1 MB cost well under a millisecond each.
    expect(elapsed).toBeLessThan(100);
  });
});

describe('parseKeyPair (property)', () => {
  it('returns undefined or a key whose full form parses to the same key, whatever the two parts', () => {
    const part = fc.oneof(hostileString(50), base62(16), base62(38), fc.string({ maxLength: 50 }));
    fc.assert(
      fc.property(part, part, (keyId, secret) => {
        const key = parseKeyPair(keyId, secret);
        if (key === undefined) return;
        expect(key.keyId).toBe(keyId);
        expect(key.secret).toBe(secret);
        expect(parseKey(formatKey(key))).toEqual(key);
      }),
      { numRuns: 500 },
    );
  });

  it('never yields the original key from a mutated pair', () => {
    // Without the type in the text, a mutation could in principle match another type's
    // checksum (a 2^-32 chance): it would then be a different key, never the original.
    fc.assert(
      fc.property(validKey, fc.boolean(), fc.nat(), fc.oneof(fc.constantFrom(...BASE62), hostileUnit), (key, inId, at, ch) => {
        const target = inId ? key.keyId : key.secret;
        const i = at % target.length;
        fc.pre(ch !== target[i]);
        const mutated = replaceAt(target, i, ch);
        const parsed = inId ? parseKeyPair(mutated, key.secret) : parseKeyPair(key.keyId, mutated);
        if (parsed !== undefined) expect(parsed.keyId === key.keyId && parsed.secret === key.secret).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
