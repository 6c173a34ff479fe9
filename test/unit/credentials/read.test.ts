import { credentialsInQuery, readCredential } from '../../../functions/src/credentials/read';
import { signingSecret } from '../../../functions/src/keys/digest';
import { KeywardError } from '../../../functions/src/errors';
import { formatKey, newKeyId, newSecret } from '../../../functions/src/keys/format';

const keyId = newKeyId();
const secret = newSecret('server', keyId);
const key = formatKey({ type: 'server', keyId, secret });
const b64 = (s: string) => Buffer.from(s).toString('base64');

function req(headers: [string, string][], opts: { method?: string; query?: string } = {}) {
  const lower: Record<string, string> = {};
  for (const [k, v] of headers) lower[k.toLowerCase()] = v;
  return { rawHeaders: headers.flat(), headers: lower, method: opts.method ?? 'GET', rawQuery: opts.query ?? '' };
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as KeywardError).code;
  }
}

describe('readCredential', () => {
  const expected = { kind: 'api_key', key: { type: 'server', keyId, secret } };

  it.each([
    ['ApiKey <key>', [['Authorization', `ApiKey ${key}`]]],
    ['X-API-Key', [['X-API-Key', key]]],
    ['Bearer <key>', [['Authorization', `Bearer ${key}`]]],
    ['ApiKey base64(id:secret)', [['Authorization', `ApiKey ${b64(`${keyId}:${secret}`)}`]]],
    ['X-API-Key + X-API-Secret in base64', [['X-API-Key', b64(keyId)], ['X-API-Secret', b64(secret)]]],
  ] as [string, [string, string][]][])('reads an API key sent as %s', (_name, headers) => {
    expect(readCredential(req(headers))).toEqual(expected);
  });

  it('returns nothing when there is no credential', () => {
    expect(readCredential(req([['Accept', 'application/json']]))).toBeUndefined();
  });

  it('reads a session cookie among others', () => {
    expect(readCredential(req([['Cookie', 'a=1; __session=abc.def.ghi; b=2']]))).toEqual({ kind: 'session', cookie: 'abc.def.ghi' });
  });

  it('tells JWTs from keys in Bearer', () => {
    expect(readCredential(req([['Authorization', 'Bearer aaa.bbb.ccc']]))).toEqual({ kind: 'jwt', token: 'aaa.bbb.ccc', fromQuery: false });
  });

  it.each([
    ['cookie and key', [['Cookie', '__session=x'], ['X-API-Key', key]]],
    ['two Authorization headers', [['Authorization', `ApiKey ${key}`], ['Authorization', 'Bearer a.b.c']]],
    ['Authorization and X-API-Key', [['Authorization', 'Bearer a.b.c'], ['X-API-Key', key]]],
    ['two session cookies', [['Cookie', '__session=a; __session=b']]],
  ] as [string, [string, string][]][])('refuses two credentials at once: %s', (_name, headers) => {
    expect(code(() => readCredential(req(headers)))).toBe('multiple_credentials');
  });

  it('refuses repeats a proxy or fetch joined into one header value', () => {
    // What fetch sends for two `Authorization` headers, and what some proxies forward.
    expect(code(() => readCredential(req([['Authorization', 'Bearer aaa.bbb., Bearer garbage']])))).toBe('multiple_credentials');
    expect(code(() => readCredential(req([['Authorization', `ApiKey ${key},ApiKey ${key}`]])))).toBe('multiple_credentials');
    expect(code(() => readCredential(req([['Authorization', 'Bearer aaa.bbb.ccc, Keyward-HMAC-SHA256 Credential=x']])))).toBe('multiple_credentials');
    expect(code(() => readCredential(req([['X-API-Key', `${key}, ${key}`]])))).toBe('multiple_credentials');
    // A bearer value that is not one JWT is never handed to a verifier.
    expect(code(() => readCredential(req([['Authorization', 'Bearer aaa.bbb.ccc,junk']])))).toBe('invalid_credential');
    // One signature header has commas of its own.
    const sig = 'Keyward-HMAC-SHA256 Credential=Key0000000000001, Timestamp=1, Nonce=n, Signature=s';
    expect(readCredential(req([['Authorization', sig]]))).toMatchObject({ kind: 'signature' });
  });

  it('refuses an API key in the query string', () => {
    expect(code(() => readCredential(req([], { query: `api_key=${key}` })))).toBe('credential_in_url');
    expect(code(() => readCredential(req([], { query: `x=${key}` })))).toBe('credential_in_url');
  });

  it('judges a query value by what it is, not by its name or its first letters', () => {
    // Ordinary queries that merely start like a key type, or use a credential-like name, are queries.
    for (const query of ['type=web_app', 'plan=mobile_pro', 'kind=server_side', 'key=name', 'api_key=not-a-key', 'secret=shh', `x=${key.slice(0, -1)}${key.endsWith('X') ? 'Y' : 'X'}`, 'sort=createdAt&order=desc']) {
      expect([query, readCredential(req([], { query }))]).toEqual([query, undefined]);
    }
    // What parses as one of ours is refused, whatever it is called: a key, a signing secret, the pair forms' two halves, a Firebase token.
    const signing = signingSecret(Buffer.alloc(32, 7), keyId, 'salt000000000001', '');
    const idToken = ['eyJhbGciOiJSUzI1NiJ9', Buffer.from(JSON.stringify({ iss: 'https://securetoken.google.com/demo-keyward', sub: 'u1' })).toString('base64url'), 'c2ln'].join('.');
    for (const query of [`q=${key}`, `s=${signing}`, `id=${keyId}&secret=${secret}`, `id_token=${idToken}`]) {
      expect([query, code(() => readCredential(req([], { query })))]).toEqual([query, 'credential_in_url']);
    }
    expect(credentialsInQuery(`a=${key}&b=${signing}&id=${keyId}&s=${secret}`).exposed).toEqual([keyId]);
  });

  it('reads the pair forms and query pairs with the deployment prefix their checksum covers', () => {
    const prefixed = newSecret('server', keyId, 'acme');
    expect(code(() => readCredential(req([['X-API-Key', b64(keyId)], ['X-API-Secret', b64(prefixed)]])))).toBe('invalid_credential');
    expect(readCredential(req([['X-API-Key', b64(keyId)], ['X-API-Secret', b64(prefixed)]]), 'acme')).toEqual({ kind: 'api_key', key: { prefix: 'acme', type: 'server', keyId, secret: prefixed } });
    expect(readCredential(req([], { query: `id=${keyId}&s=${prefixed}` }))).toBeUndefined();
    expect(code(() => readCredential(req([], { query: `id=${keyId}&s=${prefixed}` }), 'acme'))).toBe('credential_in_url');
  });

  it('accepts ?token= only on GET', () => {
    expect(readCredential(req([], { query: 'token=a.b.c' }))).toEqual({ kind: 'jwt', token: 'a.b.c', fromQuery: true });
    expect(code(() => readCredential(req([], { method: 'POST', query: 'token=a.b.c' })))).toBe('credential_in_url');
  });

  it.each([
    ['a malformed key', [['X-API-Key', 'server_nope']]],
    ['a bad checksum', [['X-API-Key', key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a')]]],
    ['an unknown scheme', [['Authorization', `Basic ${b64('a:b')}`]]],
    ['an empty bearer', [['Authorization', 'Bearer ']]],
    ['a pair that is not base64', [['Authorization', 'ApiKey %%%']]],
    ['a secret without a key id', [['X-API-Secret', b64(secret)]]],
    ['an oversized header', [['Authorization', `Bearer ${'a'.repeat(9000)}`]]],
  ] as [string, [string, string][]][])('refuses %s as invalid_credential', (_name, headers) => {
    expect(code(() => readCredential(req(headers)))).toBe('invalid_credential');
  });
});
