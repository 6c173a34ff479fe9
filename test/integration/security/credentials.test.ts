// #13 items 2, 3, 10 and 14 (exposure): one credential per request, counted from the raw headers;
// key list and read interactive-only; refusals and failures audited with what they were about.
import { formatKey, newSecret } from '../../../functions/src/keys/format';
import { api, createUser } from '../../harness/auth';
import { bearer, jsonHeaders } from '../../harness/keys';
import { base } from '../tokens/support';
import { appWithAudit, createKey, fetchAt, json, keyCredentials, rawRequest } from './support';

describe('one credential per request', () => {
  let app: Awaited<ReturnType<typeof appWithAudit>>;
  beforeAll(async () => {
    app = await appWithAudit();
  });
  afterAll(() => app.close());

  it('refuses two Authorization headers sent as two lines, to a plain Node server (400 multiple_credentials, nothing created)', async () => {
    const user = await createUser();
    const body = JSON.stringify({ name: 'two headers' });
    const res = await rawRequest(`${app.url}/v1/keys`, 'POST', [['authorization', `Bearer ${user.idToken}`], ['authorization', 'Bearer garbage'], ['content-type', 'application/json']], body);
    expect([res.status, res.json.error.code]).toEqual([400, 'multiple_credentials']);
    const list = await fetchAt(`${app.url}/v1/keys`, { headers: bearer(user.idToken) });
    expect(list.json.keys).toEqual([]);
  });

  it('refuses two Authorization headers as fetch sends them (joined into one value), through Hosting', async () => {
    const user = await createUser();
    const headers = new Headers(jsonHeaders(user.idToken));
    headers.append('authorization', 'Bearer garbage');
    const res = await api('/v1/keys', { method: 'POST', headers, body: JSON.stringify({ name: 'two headers' }) });
    expect([res.status, res.json.error.code]).toEqual([400, 'multiple_credentials']);
    expect((await api('/v1/keys', { headers: bearer(user.idToken) })).json.keys).toEqual([]);
  });
});

describe('key list and read are interactive only', () => {
  it('refuses an API key, its access token and a signed request, except on the key itself', async () => {
    const user = await createUser();
    const key = await createKey(user, { name: 'reader' });
    const other = await createKey(user, { name: 'other' });
    const creds = await keyCredentials(key);
    const url = (path: string) => `${base()}${path}`;
    const kinds: [string, (method: string, path: string) => Record<string, string>][] = [
      ['api key', () => creds.apiKey()],
      ['access token', () => creds.accessToken()],
      ['signed request', (method, path) => creds.signed(method, url(path))],
    ];
    for (const [kind, headers] of kinds) {
      for (const path of ['/v1/keys', `/v1/keys/${other.id}`]) {
        const res = await api(path, { headers: headers('GET', path) });
        expect([kind, path, res.status, res.json.error?.code]).toEqual([kind, path, 403, 'interactive_credential_required']);
        expect(res.text).not.toContain('other');
      }
      const self = await api(`/v1/keys/${key.id}`, { headers: headers('GET', `/v1/keys/${key.id}`) });
      expect([kind, self.status, self.json.id]).toEqual([kind, 200, key.id]);
    }
    // And it may revoke itself.
    const revoked = await api(`/v1/keys/${key.id}`, { method: 'DELETE', headers: creds.apiKey() });
    expect([revoked.status, revoked.json.status]).toEqual([200, 'revoked']);
  });
});

describe('refusals and failures in the audit trail', () => {
  let app: Awaited<ReturnType<typeof appWithAudit>>;
  beforeAll(async () => {
    app = await appWithAudit();
  });
  afterAll(() => app.close());
  const entriesFor = (requestId: string | null) => app.events.filter((e) => e.request?.requestId === requestId);

  it('audits a 403 after authentication as access.denied with its reason, and a 404 on someone else’s key', async () => {
    const user = await createUser();
    const key = await createKey(user, { name: 'k' });
    const res = await fetchAt(`${app.url}/v1/keys`, { headers: { 'x-api-key': key.key } });
    expect([res.status, res.json.error.code]).toEqual([403, 'interactive_credential_required']);
    expect(entriesFor(res.headers.get('x-request-id')).map((e) => [e.event, e.outcome, e.reason, e.actor.keyId])).toEqual([
      ['auth.success', 'success', undefined, key.id],
      ['access.denied', 'failure', 'interactive_credential_required', key.id],
    ]);
    const stranger = await createUser();
    const theirs = await fetchAt(`${app.url}/v1/keys/${key.id}`, { headers: bearer(stranger.idToken) });
    expect([theirs.status, theirs.json.error.code]).toEqual([404, 'not_found']);
    expect(entriesFor(theirs.headers.get('x-request-id'))).toContainEqual(
      expect.objectContaining({ event: 'access.denied', reason: 'not_found', actor: expect.objectContaining({ uid: stranger.uid }) }),
    );
  });

  it('records the key id a failed credential tried', async () => {
    const user = await createUser();
    const key = await createKey(user, { name: 'k' });
    // Well formed, checksum and all, with a secret the key never had.
    const wrong = formatKey({ type: 'server', keyId: key.id, secret: newSecret('server', key.id) });
    const res = await fetchAt(`${app.url}/v1/me`, { headers: { 'x-api-key': wrong } });
    expect([res.status, res.json.error.code, res.headers.get('www-authenticate')]).toEqual([401, 'invalid_credential', 'ApiKey']);
    expect(entriesFor(res.headers.get('x-request-id'))).toEqual([expect.objectContaining({ event: 'auth.failure', actor: { keyId: key.id } })]);
  });

  it('flags a key sent in the URL as key.exposure for its owner, and never records the key', async () => {
    const user = await createUser();
    const key = await createKey(user, { name: 'k' });
    const res = await fetchAt(`${app.url}/v1/me?api_key=${key.key}`, { headers: json });
    expect([res.status, res.json.error.code]).toEqual([400, 'credential_in_url']);
    const entries = entriesFor(res.headers.get('x-request-id'));
    expect(entries).toContainEqual(expect.objectContaining({ event: 'key.exposure', target: { uid: user.uid, keyId: key.id } }));
    expect(JSON.stringify(entries)).not.toContain(key.key.split('_')[2]);
  });
});
