// The contract as a document, served, and the `field` a malformed request's error names.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, createUser, type TestUser } from '../../harness/auth';
import { createKey, jsonHeaders } from '../../harness/keys';
import { callable } from '../audit/support';

const committed = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'docs', 'openapi.json'), 'utf8')) as Record<string, unknown>;

describe('GET /openapi.json', () => {
  it('serves the committed document, without a credential, cacheable', async () => {
    const res = await api('/openapi.json');
    expect([res.status, res.headers.get('cache-control')]).toEqual([200, 'public, max-age=300']);
    const { servers, ...rest } = res.json as Record<string, unknown>;
    const { servers: _committed, ...expected } = committed;
    expect(rest).toEqual(expected);
    expect(servers).toEqual([{ url: expect.any(String) }]);
  });
});

describe('a malformed request names the field that was wrong', () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await createUser();
  });
  const post = (body: unknown) => api('/v1/keys', { method: 'POST', headers: jsonHeaders(user.idToken), body: JSON.stringify(body) });

  it('on create: a missing name, an unknown field, a date that does not exist, an App Check id', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, '/name'],
      [{ name: 'x', ownerUid: 'someone-else' }, '/ownerUid'],
      [{ name: 'x', expiresAt: '2027-02-30' }, '/expiresAt'],
      [{ name: 'x', type: 'web' }, '/allowedOrigins'],
      [{ name: 'x', type: 'web', allowedOrigins: ['https://a.example'], appCheck: { appIds: [] } }, '/appCheck/appIds'],
      [{ name: 'x', credits: { remaining: 5, refill: { amount: 1, interval: 'week' } } }, '/credits/refill/interval'],
      [{ name: 'x', scopes: ['billing:write'] }, '/scopes'],
    ];
    for (const [body, field] of cases) {
      const res = await post(body);
      expect([JSON.stringify(body), res.json.error.field]).toEqual([JSON.stringify(body), field]);
      expect(res.status).toBe(field === '/scopes' ? 403 : 400);
    }
  });

  it('on the audit and usage reads: a time or day that does not exist names its parameter', async () => {
    for (const [path, field] of [
      ['/v1/audit?from=2027-02-30T00:00:00Z', '/from'],
      ['/v1/audit/verify?to=yesterday', '/to'],
      ['/v1/usage?from=2027-02-30', '/from'],
    ] as const) {
      const res = await api(path, { headers: { authorization: `Bearer ${user.idToken}` } });
      // The verification is for auditors: a person who is not one is refused before the range is read.
      const expected = path.startsWith('/v1/audit/verify') ? [403, 'forbidden', undefined] : [400, 'invalid_request', field];
      expect([path, res.status, res.json.error.code, res.json.error.field]).toEqual([path, ...expected]);
    }
  });

  it('on PATCH, a widening names what it would widen; the callable says the same in its details', async () => {
    const key = await createKey(user, { name: 'narrow', scopes: [] });
    const res = await api(`/v1/keys/${key.id}`, { method: 'PATCH', headers: jsonHeaders(user.idToken), body: JSON.stringify({ scopes: null }) });
    expect([res.status, res.json.error.code, res.json.error.field]).toEqual([403, 'forbidden', '/scopes']);
    const viaCallable = await callable('createApiKey', user.idToken, { name: 'x', allowedIps: ['not an address'] });
    expect([viaCallable.status, viaCallable.body.error.details]).toEqual([400, { code: 'invalid_request', field: '/allowedIps' }]);
  });
});
