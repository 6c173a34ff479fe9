// The credential rules as values: plain inputs, accepted or refused with a code, no I/O, no throw.
import { decideKey, decideOwner } from '../../../functions/src/credentials/key-credential';
import { decideActingFor, decideDelegation } from '../../../functions/src/credentials/pipeline';
import { decideClaims } from '../../../functions/src/credentials/guard';
import { accept, enforce, refuse, type Decision } from '../../../functions/src/decision';
import type { Identity } from '../../../functions/src/identity';
import { KeywardError } from '../../../functions/src/errors';
import { record, T0 } from '../../harness/memory';
import { secretGeneration } from '../../../functions/src/keys/digest';

const outcome = (d: Decision<unknown>) => (d.accepted ? 'accepted' : d.code);
const here = { origin: undefined, ip: '203.0.113.9' };
/** The secret a verified credential presented: the record's current one (every `record()` shares it). */
const live = { secret: record().secrets[0]! };

describe('decideKey', () => {
  it('refuses revoked and expired keys with the challenge, then origins and addresses', () => {
    expect(outcome(decideKey(record(), live, here, T0, 'ApiKey'))).toBe('accepted');
    const revoked = decideKey(record({ revokedAt: T0 - 1, expiresAt: T0 - 1 }), live, here, T0, 'ApiKey');
    expect(revoked).toEqual(refuse('revoked_credential', 'The API key has been revoked.', { challenge: 'ApiKey' }));
    expect(outcome(decideKey(record({ expiresAt: T0 }), live, here, T0, 'ApiKey'))).toBe('expired_credential');
    const web = record({ type: 'web', allowedOrigins: ['https://app.example.com'] });
    expect(outcome(decideKey(web, live, here, T0, 'ApiKey'))).toBe('origin_not_allowed');
    expect(outcome(decideKey(web, live, { ...here, origin: 'https://app.example.com' }, T0, 'ApiKey'))).toBe('accepted');
    expect(outcome(decideKey(record({ allowedIps: ['10.0.0.0/8'] }), live, here, T0, 'ApiKey'))).toBe('ip_not_allowed');
    expect(outcome(decideKey(record({ allowedIps: ['203.0.113.0/24'] }), live, here, T0, 'ApiKey'))).toBe('accepted');
  });
});

describe('decideOwner', () => {
  const owner = { uid: 'owner-1', claims: { admin: true, permissions: ['reports'] }, disabled: false, validSince: 0 };
  it("acts as the owner now, never beyond the key's scopes", () => {
    const d = decideOwner(record({ scopes: ['reports'] }), owner, { method: 'api_key', challenge: 'ApiKey', secret: record().secrets[0]! });
    expect(d).toEqual(accept({ uid: 'owner-1', claims: { permissions: ['reports'] }, method: 'api_key', keyId: 'Key0000000000001', keyType: 'server', scopes: ['reports'], secretGeneration: secretGeneration(record().secrets[0]!.salt) }));
    const narrower = decideOwner(record({ scopes: null }), owner, { method: 'access_token', challenge: 'Bearer', scopes: [], secret: record().secrets[0]! });
    expect(narrower.accepted && narrower.value.claims).toEqual({ permissions: [] });
  });
  it('refuses a disabled or deleted owner as revoked', () => {
    expect(outcome(decideOwner(record(), { ...owner, disabled: true }, { method: 'api_key', challenge: 'ApiKey', secret: record().secrets[0]! }))).toBe('revoked_credential');
    expect(outcome(decideOwner(record(), undefined, { method: 'api_key', challenge: 'ApiKey', secret: record().secrets[0]! }))).toBe('revoked_credential');
  });
});

describe('On-Behalf-Of', () => {
  const key: Identity = { uid: 'owner', claims: { permissions: ['delegate'] }, method: 'api_key', keyType: 'server', keyId: 'k' };
  it('only a server key whose owner may delegate, naming a user id', () => {
    expect(decideDelegation(key, 'customer-1')).toEqual(accept('customer-1'));
    expect(outcome(decideDelegation({ ...key, keyType: 'web' }, 'customer-1'))).toBe('forbidden');
    expect(outcome(decideDelegation({ ...key, claims: {} }, 'customer-1'))).toBe('forbidden');
    expect(outcome(decideDelegation({ ...key, claims: { admin: true } }, 'customer-1'))).toBe('accepted');
    expect(outcome(decideDelegation(key, 'not a uid'))).toBe('invalid_request');
  });
  it('acts with the grants both hold (never more than the key has), and names the key owner as the actor', () => {
    const user = { uid: 'customer-1', claims: { permissions: ['reports'] }, disabled: false, validSince: 0 };
    expect(decideActingFor(key, user)).toEqual(accept({ ...key, uid: 'customer-1', claims: { permissions: [] }, actor: 'owner' }));
    const both = { ...key, claims: { permissions: ['delegate', 'reports'] } };
    expect(decideActingFor(both, user)).toEqual(accept({ ...both, uid: 'customer-1', claims: { permissions: ['reports'] }, actor: 'owner' }));
    expect(outcome(decideActingFor(key, { ...user, disabled: true }))).toBe('forbidden');
    expect(outcome(decideActingFor(key, undefined))).toBe('forbidden');
  });
});

describe('decideClaims and enforce', () => {
  it('decides, and enforce throws the refusal as a KeywardError with its details', () => {
    const user: Identity = { uid: 'u', claims: { permissions: ['reports'] }, method: 'api_key', scopes: [] };
    expect(outcome(decideClaims(undefined, {}))).toBe('unauthenticated');
    expect(outcome(decideClaims(user, { role: 'auditor' }))).toBe('forbidden');
    expect(outcome(decideClaims(user, { scope: 'reports' }))).toBe('insufficient_scope');
    expect(outcome(decideClaims({ ...user, scopes: undefined }, { scope: 'reports' }))).toBe('accepted');
    expect(enforce(accept(7))).toBe(7);
    expect(() => enforce(decideClaims(undefined, {}))).toThrow(KeywardError);
    expect(() => enforce(decideClaims(undefined, {}))).toThrow(expect.objectContaining({ code: 'unauthenticated', details: { challenge: 'Bearer' } }));
  });
});
