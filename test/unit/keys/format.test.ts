import { formatKey, newKeyId, newSecret, parseKey, parseKeyPair, randomBase62 } from '../../../functions/src/keys/format';
import { KEY_TYPES } from '../../../functions/src/identity';

function makeKey(type: (typeof KEY_TYPES)[number] = 'server') {
  const keyId = newKeyId();
  return { type, keyId, secret: newSecret(type, keyId) };
}

describe('key format', () => {
  it('round-trips every type through its string form', () => {
    for (const type of KEY_TYPES) {
      const key = makeKey(type);
      const text = formatKey(key);
      expect(text.startsWith(`${type}_${key.keyId}_`)).toBe(true);
      expect(parseKey(text)).toEqual(key);
    }
  });

  it('draws distinct ids and secrets with at least 128 random bits', () => {
    const ids = new Set(Array.from({ length: 2000 }, () => newKeyId()));
    expect(ids.size).toBe(2000);
    const key = makeKey();
    // 32 base62 characters of randomness before the checksum: 32 * log2(62) > 190 bits.
    expect(key.secret).toMatch(/^[A-Za-z0-9]{38}$/);
    expect(32 * Math.log2(62)).toBeGreaterThan(128);
  });

  it('uses every base62 character roughly uniformly', () => {
    const counts = new Map<string, number>();
    for (const ch of randomBase62(62_000)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(62);
    for (const n of counts.values()) expect(n).toBeGreaterThan(700);
  });

  it('refuses a key whose checksum does not match (one character changed)', () => {
    const text = formatKey(makeKey());
    const i = text.length - 10;
    const changed = text.slice(0, i) + (text[i] === 'a' ? 'b' : 'a') + text.slice(i + 1);
    expect(parseKey(changed)).toBeUndefined();
  });

  it('refuses a key with its type changed (the checksum covers the type)', () => {
    const text = formatKey(makeKey('server'));
    expect(parseKey(text.replace(/^server_/, 'mobile_'))).toBeUndefined();
  });

  it.each([
    '',
    'server_',
    'server_abc_def',
    'admin_0123456789abcdef_' + 'a'.repeat(38),
    'server_0123456789abcdef_' + 'a'.repeat(37),
    'server_0123456789abcdef_' + 'a'.repeat(38) + 'x',
    'server_0123456789abcde!_' + 'a'.repeat(38),
    'x'.repeat(10_000),
  ])('refuses malformed input %#', (input) => {
    expect(parseKey(input)).toBeUndefined();
  });

  it('finds the type of a pair form from the checksum', () => {
    for (const type of KEY_TYPES) {
      const key = makeKey(type);
      expect(parseKeyPair(key.keyId, key.secret)).toEqual(key);
    }
    const key = makeKey();
    const last = key.secret.slice(-1);
    expect(parseKeyPair(key.keyId, key.secret.slice(0, -1) + (last === '0' ? '1' : '0'))).toBeUndefined();
    expect(parseKeyPair('short', key.secret)).toBeUndefined();
  });
});
