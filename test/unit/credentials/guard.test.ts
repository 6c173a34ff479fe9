import { effectiveGrants, hasClaims, requireClaims } from '../../../functions/src/credentials/guard';
import type { Identity } from '../../../functions/src/identity';
import { thrownCode } from '../../harness/outcomes';

const who = (claims: Identity['claims'], extra: Partial<Identity> = {}): Identity => ({ uid: 'u1', claims, method: 'session', ...extra });

describe('requireClaims', () => {
  it('lets an admin through every check', () => {
    const admin = who({ admin: true });
    for (const req of [{ role: 'admin' as const }, { role: 'auditor' as const }, { permission: 'billing' }, { scope: 'anything' }, {}]) {
      expect(thrownCode(() => requireClaims(admin, req))).toBeUndefined();
    }
  });

  it('checks roles: an auditor is not an admin, an admin is an auditor', () => {
    const auditor = who({ auditor: true });
    expect(thrownCode(() => requireClaims(auditor, { role: 'auditor' }))).toBeUndefined();
    expect(thrownCode(() => requireClaims(auditor, { role: 'admin' }))).toBe('forbidden');
    expect(thrownCode(() => requireClaims(who({}), { role: 'auditor' }))).toBe('forbidden');
    expect(thrownCode(() => requireClaims(who({ admin: 'true' as unknown as boolean }), { role: 'admin' }))).toBe('forbidden');
  });

  it('checks permissions (forbidden) and scopes (insufficient_scope)', () => {
    const user = who({ permissions: ['read', 'write'] });
    expect(thrownCode(() => requireClaims(user, { permission: 'read' }))).toBeUndefined();
    expect(thrownCode(() => requireClaims(user, { permission: 'delete' }))).toBe('forbidden');
    expect(thrownCode(() => requireClaims(user, { scope: 'write' }))).toBeUndefined();
    expect(thrownCode(() => requireClaims(user, { scope: 'delete' }))).toBe('insufficient_scope');
    expect(thrownCode(() => requireClaims(user, { permission: 'read', role: 'auditor' }))).toBe('forbidden');
  });

  it('narrows by the credential scopes, even when the claims were not narrowed (On-Behalf-Of)', () => {
    const obo = who({ admin: true, permissions: ['read', 'write'] }, { method: 'api_key', keyType: 'server', scopes: ['read'], actor: 'owner' });
    expect([...effectiveGrants(obo)]).toEqual(['read']);
    expect(thrownCode(() => requireClaims(obo, { role: 'admin' }))).toBe('forbidden');
    expect(thrownCode(() => requireClaims(obo, { scope: 'write' }))).toBe('insufficient_scope');
    expect(thrownCode(() => requireClaims(obo, { permission: 'read' }))).toBeUndefined();
    const adminScoped = who({ admin: true }, { method: 'api_key', scopes: ['admin'] });
    expect(hasClaims(adminScoped, { role: 'auditor', permission: 'x' })).toBe(true);
    const auditorScoped = who({ admin: true }, { method: 'api_key', scopes: ['auditor'] });
    expect(hasClaims(auditorScoped, { role: 'auditor' })).toBe(true);
    expect(hasClaims(auditorScoped, { role: 'admin' })).toBe(false);
  });

  it('ignores malformed permission claims, and needs an identity at all', () => {
    expect(hasClaims(who({ permissions: 'read' as unknown as string[] }), { permission: 'read' })).toBe(false);
    expect(thrownCode(() => requireClaims(undefined, {}))).toBe('unauthenticated');
  });

  it('returns the identity it checked', () => {
    const user = who({ permissions: ['read'] });
    expect(requireClaims(user, { permission: 'read' })).toBe(user);
  });
});
