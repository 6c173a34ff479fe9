// #13 item 1: On-Behalf-Of gives the intersection of the target's grants, the delegator's grants
// and the key's scopes, with every key-based credential kind, through Hosting.
import { api } from '../../harness/auth';
import { bearer } from '../../harness/keys';
import { base } from '../tokens/support';
import { createKey, keyCredentials, userWith } from './support';

describe('delegation never escalates', () => {
  it('a delegate acting for an admin holds only the grants both have, with a key, its token and a signed request', async () => {
    const delegate = await userWith({ permissions: ['delegate', 'reports'] });
    const admin = await userWith({ admin: true, permissions: ['reports', 'billing'] });
    const bystander = await userWith({});
    const key = await createKey(delegate, { name: 'delegating' });
    const creds = await keyCredentials(key);
    const url = (path: string) => `${base()}${path}`;
    const kinds: [string, (path: string) => Record<string, string>][] = [
      ['api key', () => ({ ...creds.apiKey(), 'on-behalf-of': admin.uid })],
      ['access token', () => ({ ...creds.accessToken(), 'on-behalf-of': admin.uid })],
      ['signed request', (path) => creds.signed('GET', url(path), undefined, admin.uid)],
    ];
    for (const [kind, headers] of kinds) {
      const me = await api('/v1/me', { headers: headers('/v1/me') });
      expect([kind, me.status]).toEqual([kind, 200]);
      expect(me.json).toMatchObject({ uid: admin.uid, auth: { actor: delegate.uid } });
      expect([kind, me.json.claims]).toEqual([kind, { permissions: ['reports'] }]);
      // Reading everyone's trail needs auditor or admin: the delegate holds neither.
      const path = `/v1/audit?uid=${bystander.uid}`;
      const audit = await api(path, { headers: headers(path) });
      expect([kind, audit.status, audit.json.error?.code]).toEqual([kind, 403, 'forbidden']);
    }
    // The admin itself still reads it.
    expect((await api(`/v1/audit?uid=${bystander.uid}`, { headers: bearer(admin.idToken) })).status).toBe(200);
  });

  it('narrows by the key’s scopes too', async () => {
    const delegate = await userWith({ permissions: ['delegate', 'reports', 'billing'] });
    const target = await userWith({ permissions: ['reports', 'billing'] });
    const key = await createKey(delegate, { name: 'scoped', scopes: ['delegate', 'billing'] });
    const me = await api('/v1/me', { headers: { 'x-api-key': key.key, 'on-behalf-of': target.uid } });
    expect(me.status).toBe(200);
    expect(me.json.claims).toEqual({ permissions: ['billing'] });
  });
});
