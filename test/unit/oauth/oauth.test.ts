import { formatKey, newKeyId, newSecret } from '../../../functions/src/keys/format';
import { KeywardError } from '../../../functions/src/errors';
import { readClientCredentials } from '../../../functions/src/oauth/client-auth';
import { OAuthError, toOAuthError } from '../../../functions/src/oauth/errors';
import { parseForm } from '../../../functions/src/oauth/form';
import { serverMetadata } from '../../../functions/src/oauth/metadata';

const keyId = newKeyId();
const secret = newSecret('server', keyId);
const basic = (id: string, sec: string) => `Basic ${Buffer.from(`${id}:${sec}`).toString('base64')}`;
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return { code: (err as OAuthError).code, status: (err as OAuthError).status };
  }
  return undefined;
};

describe('client authentication (RFC 6749 §2.3.1)', () => {
  it('reads client_secret_basic, form-decoding the id and secret, and client_secret_post', () => {
    const viaBasic = readClientCredentials([basic(encodeURIComponent(keyId), secret)], new Map(), '');
    expect(viaBasic).toEqual({ method: 'client_secret_basic', key: { type: 'server', keyId, secret } });
    expect(formatKey(viaBasic!.key)).toBe(`server_${keyId}_${secret}`);
    const viaPost = readClientCredentials([], new Map([['client_id', keyId], ['client_secret', secret]]), '');
    expect(viaPost).toEqual({ method: 'client_secret_post', key: { type: 'server', keyId, secret } });
    expect(readClientCredentials([], new Map([['client_id', keyId]]), '')).toBeUndefined();
    expect(readClientCredentials(['Bearer x.y.z'], new Map(), '')).toBeUndefined();
  });

  it("reads a prefixed deployment's keys, whose checksum covers its prefix, as /v1's pair forms do", () => {
    const prefixed = newSecret('server', keyId, 'acme');
    expect(code(() => readClientCredentials([basic(keyId, prefixed)], new Map(), ''))).toEqual({ code: 'invalid_client', status: 401 });
    expect(readClientCredentials([basic(keyId, prefixed)], new Map(), 'acme')).toEqual({ method: 'client_secret_basic', key: { prefix: 'acme', type: 'server', keyId, secret: prefixed } });
    // Keys made before the deployment had a prefix keep working.
    expect(readClientCredentials([], new Map([['client_id', keyId], ['client_secret', secret]]), 'acme')).toEqual({ method: 'client_secret_post', key: { type: 'server', keyId, secret } });
  });

  it('refuses two methods, a mismatched client_id, and malformed credentials', () => {
    const form = new Map([['client_id', keyId], ['client_secret', secret]]);
    expect(code(() => readClientCredentials([basic(keyId, secret)], form, ''))).toEqual({ code: 'invalid_request', status: 400 });
    expect(code(() => readClientCredentials([basic(keyId, secret)], new Map([['client_id', 'other']]), ''))).toEqual({ code: 'invalid_request', status: 400 });
    expect(code(() => readClientCredentials([basic(keyId, secret), basic(keyId, secret)], new Map(), ''))).toEqual({ code: 'invalid_request', status: 400 });
    for (const header of ['Basic', 'Basic !!!', basic(keyId, `${secret.slice(0, -1)}${secret.endsWith('x') ? 'y' : 'x'}`), basic(keyId, '%E0%A4%A')]) {
      expect(code(() => readClientCredentials([header], new Map(), ''))).toEqual({ code: 'invalid_client', status: 401 });
    }
  });
});

describe('form bodies', () => {
  const type = 'application/x-www-form-urlencoded';
  it('parses a form, refusing repeats, other media types and parameters in the URL', () => {
    expect([...parseForm(Buffer.from('grant_type=client_credentials&scope=a+b'), `${type}; charset=utf-8`, '')]).toEqual([
      ['grant_type', 'client_credentials'],
      ['scope', 'a b'],
    ]);
    expect(code(() => parseForm(Buffer.from('a=1&a=2'), type, ''))).toMatchObject({ code: 'invalid_request' });
    expect(code(() => parseForm(Buffer.from('{}'), 'application/json', ''))).toMatchObject({ code: 'invalid_request' });
    expect(code(() => parseForm(Buffer.from(''), type, 'client_secret=x'))).toMatchObject({ code: 'invalid_request' });
  });
});

describe('errors', () => {
  it('maps every Keyward refusal onto RFC 6749 §5.2', () => {
    const mapped = (err: KeywardError) => {
      const o = toOAuthError(err);
      return { code: o.code, status: o.status };
    };
    expect(mapped(new KeywardError('invalid_credential', 'no', { challenge: 'ApiKey' }))).toEqual({ code: 'invalid_client', status: 401 });
    expect(mapped(new KeywardError('insufficient_scope', 'no'))).toEqual({ code: 'invalid_scope', status: 400 });
    expect(mapped(new KeywardError('ip_not_allowed', 'no'))).toEqual({ code: 'unauthorized_client', status: 400 });
    expect(mapped(new KeywardError('cross_site_request', 'no'))).toEqual({ code: 'invalid_client', status: 401 });
    expect(mapped(new KeywardError('rate_limited', 'slow', { retryAfterSeconds: 7 }))).toEqual({ code: 'temporarily_unavailable', status: 429 });
    expect(mapped(new KeywardError('unavailable', 'down'))).toEqual({ code: 'temporarily_unavailable', status: 503 });
    expect(toOAuthError(new Error('secret detail'))).toMatchObject({ code: 'server_error', status: 500, message: expect.not.stringContaining('secret') });
  });
});

describe('metadata', () => {
  it('puts every endpoint under the site URL', () => {
    const doc = serverMetadata('https://auth.example.com', 'https://auth.example.com');
    expect(doc).toMatchObject({
      issuer: 'https://auth.example.com',
      jwks_uri: 'https://auth.example.com/.well-known/jwks.json',
      token_endpoint: 'https://auth.example.com/oauth/token',
      introspection_endpoint: 'https://auth.example.com/oauth/introspect',
    });
  });
});
