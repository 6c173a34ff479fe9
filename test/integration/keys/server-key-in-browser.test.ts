// Server keys are refused from browsers: a request with browser fetch metadata (`Origin`, or
// `Sec-Fetch-Mode: cors` with `Sec-Fetch-Site`) that carries a server key, or is signed with its
// signing secret, is a 403 `server_key_in_browser`. Web keys and access tokens are what browser
// code uses. Node's fetch, which every request of this suite goes through, sends
// `Sec-Fetch-Mode: cors` alone: servers using it must keep working.
import { api } from '../../harness/auth';
import { userWithKey } from '../../harness/keys';
import { signRequest } from '../../../client/src/index';
import { base, issueToken } from '../tokens/support';

const BROWSER_HEADERS: Array<Record<string, string>> = [
  { origin: 'https://app.example.com' },
  { 'sec-fetch-mode': 'cors', 'sec-fetch-site': 'cross-site' },
  { origin: 'https://app.example.com', 'sec-fetch-mode': 'cors' },
];

describe('server keys from browsers', () => {
  it('refuses a server key sent with browser fetch metadata, in every header form, and says why', async () => {
    const { key } = await userWithKey({ name: 'server' });
    expect((await api('/v1/me', { headers: { 'x-api-key': key.key } })).status).toBe(200);
    for (const browser of BROWSER_HEADERS) {
      for (const form of [{ 'x-api-key': key.key }, { authorization: `Bearer ${key.key}` }, { authorization: `ApiKey ${key.key}` }]) {
        const res = await api('/v1/me', { headers: { ...form, ...browser } });
        expect([res.status, res.json.error.code]).toEqual([403, 'server_key_in_browser']);
        expect(res.json.error.message).toMatch(/browser/);
      }
    }
    // What Node's fetch sends by itself (no Sec-Fetch-Site, no Origin) is a server's request.
    expect((await api('/v1/me', { headers: { 'x-api-key': key.key, 'sec-fetch-mode': 'cors' } })).status).toBe(200);
  });

  it('refuses a request signed with a server key\'s signing secret from a browser, and token issuance too', async () => {
    const { key } = await userWithKey({ name: 'signer' });
    const url = `${base()}/v1/me`;
    const signed = signRequest({ keyId: key.id, signingSecret: key.signingSecret }, { method: 'GET', url });
    expect((await api('/v1/me', { headers: { ...signed } })).status).toBe(200);
    const again = signRequest({ keyId: key.id, signingSecret: key.signingSecret }, { method: 'GET', url });
    const res = await api('/v1/me', { headers: { ...again, origin: 'https://app.example.com' } });
    expect([res.status, res.json.error.code]).toEqual([403, 'server_key_in_browser']);
    const issued = await api('/v1/auth/issue', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sec-fetch-mode': 'cors', 'sec-fetch-site': 'same-origin' },
      body: JSON.stringify({ api_key: key.key }),
    });
    expect([issued.status, issued.json.error.code]).toEqual([403, 'server_key_in_browser']);
  });

  it('lets web keys and access tokens through from browsers', async () => {
    const { key: web } = await userWithKey({ name: 'web', type: 'web', allowedOrigins: ['https://app.example.com'] });
    expect((await api('/v1/me', { headers: { 'x-api-key': web.key, ...BROWSER_HEADERS[2] } })).status).toBe(200);
    const { key: server } = await userWithKey({ name: 'server for tokens' });
    const token = await issueToken(server.key);
    expect((await api('/v1/me', { headers: { authorization: `Bearer ${token}`, ...BROWSER_HEADERS[2] } })).status).toBe(200);
  });
});
