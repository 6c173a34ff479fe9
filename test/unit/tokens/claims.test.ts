import { intersectScopes, kidOf, parseScope, privateClaims, readSubject, versionOfKid } from '../../../functions/src/tokens/claims';

describe('access token claims', () => {
  it('names a secret version in the kid, and reads only our kids back', () => {
    expect(kidOf('3')).toBe('v3');
    expect(versionOfKid('v3')).toBe('3');
    expect(versionOfKid('v12')).toBe('12');
    for (const kid of ['3', 'v0', 'v03', 'V3', 'v3 ', 'v-1', 'key-1', '', undefined, 3, 'v12345678901']) {
      expect(versionOfKid(kid)).toBeUndefined();
    }
  });

  it('writes scope only for scoped keys: absent = full permissions, empty = none', () => {
    const generation = 'G000000000000001';
    expect(privateClaims({ uid: 'u', keyId: 'K', keyType: 'server', scopes: null, generation })).toEqual({ key_id: 'K', key_type: 'server', key_gen: generation });
    expect(privateClaims({ uid: 'u', keyId: 'K', keyType: 'web', scopes: [], generation })).toEqual({ key_id: 'K', key_type: 'web', key_gen: generation, scope: '' });
    expect(privateClaims({ uid: 'u', keyId: 'K', keyType: 'mobile', scopes: ['a', 'b'], generation }).scope).toBe('a b');
  });

  it('reads back exactly what it writes, and refuses other shapes', () => {
    const key_gen = 'G000000000000001';
    const subject = { uid: 'u1', keyId: 'Key0000000000001', keyType: 'mobile' as const, scopes: ['reports', 'audit:read'], generation: key_gen };
    expect(readSubject({ sub: 'u1', ...privateClaims(subject) })).toEqual(subject);
    expect(readSubject({ sub: 'u1', key_id: 'Key0000000000001', key_type: 'server', key_gen })).toMatchObject({ scopes: null });
    // A token without the generation of the secret that minted it is not one of ours.
    expect(readSubject({ sub: 'u1', key_id: 'Key0000000000001', key_type: 'server' })).toBeUndefined();
    expect(readSubject({ sub: 'u1', key_id: 'Key0000000000001', key_type: 'server', key_gen: 'short' })).toBeUndefined();
    expect(readSubject({ sub: 'u1', key_id: 'Key0000000000001', key_type: 'admin' })).toBeUndefined();
    expect(readSubject({ sub: 'u1', key_id: 'short', key_type: 'server' })).toBeUndefined();
    expect(readSubject({ key_id: 'Key0000000000001', key_type: 'server' })).toBeUndefined();
    expect(readSubject({ sub: 'u1', key_id: 'Key0000000000001', key_type: 'server', scope: ['a'] })).toBeUndefined();
    expect(readSubject({ sub: 'u1', key_id: 'Key0000000000001', key_type: 'server', scope: 'a  b' })).toBeUndefined();
  });

  it('parses scope lists and intersects them', () => {
    expect(parseScope('')).toEqual([]);
    expect(parseScope('a b a')).toEqual(['a', 'b']);
    expect(parseScope(' a')).toBeUndefined();
    expect(parseScope('a\tb')).toBeUndefined();
    expect(parseScope(Array.from({ length: 51 }, (_, i) => `s${i}`).join(' '))).toBeUndefined();
    expect(intersectScopes(null, null)).toBeNull();
    expect(intersectScopes(null, ['a'])).toEqual(['a']);
    expect(intersectScopes(['a', 'b'], null)).toEqual(['a', 'b']);
    expect(intersectScopes(['a', 'b'], ['b', 'c'])).toEqual(['b']);
  });
});
