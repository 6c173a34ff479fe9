import { ClaimsError, editClaims } from '../../../functions/src/sessions/claims';

describe('editClaims', () => {
  it('grants and revokes roles as booleans, keeping other claims', () => {
    expect(editClaims({ tier: 'gold' }, 'admin', 'grant')).toEqual({ claims: { tier: 'gold', admin: true }, changed: true });
    expect(editClaims({ admin: true, tier: 'gold' }, 'admin', 'revoke')).toEqual({ claims: { tier: 'gold' }, changed: true });
    expect(editClaims({}, 'auditor', 'grant').claims).toEqual({ auditor: true });
  });

  it('adds and removes permissions, once each, in order', () => {
    expect(editClaims({}, 'billing:read', 'grant').claims).toEqual({ permissions: ['billing:read'] });
    expect(editClaims({ permissions: ['a'] }, 'b', 'grant').claims).toEqual({ permissions: ['a', 'b'] });
    expect(editClaims({ permissions: ['a', 'b'] }, 'a', 'revoke').claims).toEqual({ permissions: ['b'] });
    expect(editClaims({ permissions: ['a'], admin: true }, 'a', 'revoke').claims).toEqual({ admin: true });
  });

  it('reports no change when the user already is in that state', () => {
    expect(editClaims({ admin: true }, 'admin', 'grant').changed).toBe(false);
    expect(editClaims({}, 'admin', 'revoke').changed).toBe(false);
    expect(editClaims({ permissions: ['a'] }, 'a', 'grant').changed).toBe(false);
    expect(editClaims({ permissions: ['a'] }, 'b', 'revoke').changed).toBe(false);
  });

  it('repairs a malformed permissions claim when it touches it', () => {
    const out = editClaims({ permissions: ['a', 7, null] as unknown as string[] }, 'b', 'grant');
    expect(out).toEqual({ claims: { permissions: ['a', 'b'] }, changed: true });
  });

  it('does not modify its input', () => {
    const before = { permissions: ['a'], admin: true };
    editClaims(before, 'b', 'grant');
    editClaims(before, 'admin', 'revoke');
    expect(before).toEqual({ permissions: ['a'], admin: true });
  });

  it('refuses names that are neither a role nor a valid permission, and claims over 1000 bytes', () => {
    for (const bad of ['', 'has space', 'x'.repeat(65), 'semi;colon', 'ünï']) {
      expect(() => editClaims({}, bad, 'grant')).toThrow(ClaimsError);
    }
    const many = Array.from({ length: 50 }, (_, i) => `permission-number-${i}`);
    expect(() => editClaims({ permissions: many }, 'one-more-permission', 'grant')).toThrow(/1000 bytes/);
  });
});
