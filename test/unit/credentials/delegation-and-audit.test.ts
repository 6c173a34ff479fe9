// The credential pipeline (functions/src/credentials/pipeline.ts) with in-memory verifiers: the
// delegation rule, what it audits for refusals and failures, and how it classifies faults.
import type { Identity } from '../../../functions/src/identity';
import { createAuthenticator, type Verifiers } from '../../../functions/src/credentials/pipeline';
import { KeywardError, unavailable } from '../../../functions/src/errors';
import { intersectClaims } from '../../../functions/src/keys/restrictions';
import { formatKey, newKeyId, newSecret } from '../../../functions/src/keys/format';
import { info, users, memoryAuditSink } from '../../harness/memory';
import { codeOf } from '../../harness/outcomes';

const keyId = newKeyId();
const key = formatKey({ type: 'server', keyId, secret: newSecret('server', keyId) });

function setup(owner: Identity['claims'], opts: { scopes?: string[]; apiKey?: Verifiers['apiKey'] } = {}) {
  const audit = memoryAuditSink();
  const dir = users([
    { uid: 'admin-1', claims: { admin: true, permissions: ['billing'], tenant: 'a' }, disabled: false, validSince: 0 },
    { uid: 'plain-1', claims: { permissions: ['reports'] }, disabled: false, validSince: 0 },
  ]);
  const unused = async () => {
    throw new Error('unused');
  };
  const apiKey: Verifiers['apiKey'] =
    opts.apiKey ?? (async (k) => ({ uid: 'owner-1', claims: owner, method: 'api_key', keyId: k.keyId, keyType: 'server', scopes: opts.scopes }));
  const authenticate = createAuthenticator({
    verifiers: { session: unused, idToken: unused, accessToken: unused, signature: unused, apiKey },
    users: dir,
    audit,
    tokenIssuer: 'https://keyward.test',
    keyOwner: async (id) => (id === keyId ? 'owner-1' : undefined),
  });
  return { audit, authenticate };
}

const withKey = (headers: Record<string, string> = {}) =>
  info({ rawHeaders: ['X-API-Key', key, ...Object.entries(headers).flat()], headers: { 'x-api-key': key, ...headers } });

describe('delegation (On-Behalf-Of)', () => {
  it('gives a delegate only what both it and the user acted for hold: never the target’s admin role', async () => {
    const s = setup({ permissions: ['delegate'] });
    const me = await s.authenticate(withKey({ 'on-behalf-of': 'admin-1' }));
    expect(me).toMatchObject({ uid: 'admin-1', actor: 'owner-1' });
    expect(me.claims).toEqual({ permissions: [] });
    expect(me.claims.admin).toBeUndefined();
  });

  it('keeps only the grants both hold, and the key’s scopes', async () => {
    // The key's claims as keyIdentity makes them: the owner's, within the key's scopes.
    const s = setup({ permissions: ['delegate', 'reports', 'billing'] }, { scopes: ['delegate', 'reports', 'billing'] });
    const me = await s.authenticate(withKey({ 'on-behalf-of': 'plain-1' }));
    expect(me.claims).toEqual({ permissions: ['reports'] });
    expect(me.scopes).toEqual(['delegate', 'reports', 'billing']);
  });

  it('intersects roles, permissions and other claims', () => {
    expect(intersectClaims({ admin: true, permissions: ['a', 'b'], tenant: 't1', plan: 'pro' }, { auditor: true, permissions: ['b', 'c'], tenant: 't1', plan: 'free' })).toEqual({
      auditor: true,
      permissions: ['b'],
      tenant: 't1',
    });
    expect(intersectClaims({ admin: true }, { admin: true, permissions: ['delegate'] })).toEqual({ admin: true, auditor: true, permissions: [] });
    expect(intersectClaims({}, { admin: true })).toEqual({ permissions: [] });
  });
});

describe('what the pipeline audits', () => {
  it('records refusals after authentication as access.denied with their reason', async () => {
    const s = setup({ permissions: [] });
    expect(await codeOf(s.authenticate(withKey({ 'on-behalf-of': 'plain-1' })))).toBe('forbidden');
    expect(s.audit.events).toEqual([expect.objectContaining({ event: 'access.denied', outcome: 'failure', actor: { uid: 'owner-1', method: 'api_key', keyId }, reason: 'forbidden' })]);
  });

  it('records the key id tried in failure entries', async () => {
    const s = setup({}, { apiKey: async () => Promise.reject(new KeywardError('invalid_credential', 'no')) });
    expect(await codeOf(s.authenticate(withKey()))).toBe('invalid_credential');
    expect(s.audit.events).toEqual([expect.objectContaining({ event: 'auth.failure', outcome: 'failure', actor: { keyId }, reason: 'invalid_credential' })]);
  });

  it('flags a key sent in the URL as key.exposure for its owner, without the key', async () => {
    const s = setup({});
    expect(await codeOf(s.authenticate(info({ rawQuery: `api_key=${key}` })))).toBe('credential_in_url');
    const exposure = s.audit.events.find((e) => e.event === 'key.exposure');
    expect(exposure).toMatchObject({ target: { uid: 'owner-1', keyId }, reason: 'credential_in_url' });
    expect(JSON.stringify(s.audit.events)).not.toContain(key);
  });
});

describe('faults', () => {
  it('classifies a programming error as internal (500) and a dependency fault as unavailable (503), both audited as errors', async () => {
    const bug = setup({}, { apiKey: async () => Promise.reject(new TypeError('x is undefined')) });
    const err = await bug.authenticate(withKey()).catch((e: KeywardError) => e);
    expect(err).toMatchObject({ code: 'internal' });
    expect((err as KeywardError).details.cause).toBeInstanceOf(TypeError);
    expect(bug.audit.events).toEqual([expect.objectContaining({ event: 'auth.failure', outcome: 'error', reason: 'internal' })]);

    const down = setup({}, { apiKey: async () => Promise.reject(unavailable('Firestore is down', new Error('UNAVAILABLE'))) });
    expect(await codeOf(down.authenticate(withKey()))).toBe('unavailable');
    expect(down.audit.events).toEqual([expect.objectContaining({ outcome: 'error', reason: 'unavailable' })]);
  });
});
