import { createHmac } from 'node:crypto';
import { normalizedParameters, parameterText } from '../../../functions/src/signing/params';
import { hmacSha256Hex } from '../../../functions/src/signing/hmac';

const FIREBASE_TOKEN = [
  'eyJhbGciOiJSUzI1NiIsImtpZCI6Ijc3MTBiMDE3ZmQ5YjcxMWUwMDljNmMzNmIwNzNiOGE2N2NiNjgyMTEiLCJ0eXAiOiJKV1Qi',
  'fQ.eyJpc3MiOiJodHRwczovL3NlY3VyZXRva2VuLmdvb2dsZS5jb20vcXVldWUtZGVtby1jbGllbnQiLCJhdWQiOiJxdWV1ZS1kZ',
  'W1vLWNsaWVudCIsImF1dGhfdGltZSI6MTYyNjQzMjg5OSwidXNlcl9pZCI6InFhZnNjMHpnOHNVSktvdFJkb1J1eUx1UXdiRjMiL',
  'CJzdWIiOiJxYWZzYzB6ZzhzVUpLb3RSZG9SdXlMdVF3YkYzIiwiaWF0IjoxNjI2NDMyOTAwLCJleHAiOjE2MjY0MzY1MDAsInBob',
  '25lX251bWJlciI6IiszODA5Mzc2MzcyNTMiLCJmaXJlYmFzZSI6eyJpZGVudGl0aWVzIjp7InBob25lIjpbIiszODA5Mzc2MzcyN',
  'TMiXX0sInNpZ25faW5fcHJvdmlkZXIiOiJwaG9uZSJ9fQ.ORDJTSGTicsvAeJ-eUQcDvt5Jv-y1c3HteOlzLApTZZ2C-nJZOB4RF',
  'pvoviIQwH53PFANB5iXTHBw1a5XBKROeRYEyu8YLg6RsH0wt5f5_hzGsUisgeFleDrz9i3V7NqkITqz2ADcJrWzwF-YDj5TbzCTl',
  'HmgeciiuViVbLqyFSKfyYrvFjM7x1IvJYUNVD3XGIq33128eaqHRuWfiaW5PC9ZdvfdOF5UhNpBx330TfM1FV9gNBQxd3cmxCE-b',
  'D1kvHQWLk6z8XKTNWZag718_Gf7MVmhqk-bC_KtwQ7IGVMRjPgCdNbA8H1btIcofD2iUVtzTew4et7leR6ujCAcA',
].join('');

// QuickBlox's published signature examples (docs.quickblox.com, "Signature generation"), which
// sign the same normalized string with HMAC-SHA1. Reproducing their signatures byte for byte
// proves the normalization; Keyward then applies HMAC-SHA256 to the same string.
const QUICKBLOX: Array<{ name: string; params: Record<string, string>; normalized: string; secret: string; signature: string }> = [
  {
    name: 'application session',
    params: { application_id: '716730', auth_key: 'bbfeCwWtz8dqF4F', nonce: '33432', timestamp: '1572434294' },
    normalized: 'application_id=716730&auth_key=bbfeCwWtz8dqF4F&nonce=33432&timestamp=1572434294',
    secret: 'YYXAU8BEYBfv0Fn',
    signature: 'be6e49d06389a59d8846edf04789bcd7ada23eb8',
  },
  {
    name: 'user session with login and password',
    params: {
      'user[password]': 'amigo30pass',
      timestamp: '1572434594',
      'user[login]': 'amigo30',
      nonce: '33431',
      auth_key: 'bbfeCwWtz8dqF4F',
      application_id: '716730',
    },
    normalized: 'application_id=716730&auth_key=bbfeCwWtz8dqF4F&nonce=33431&timestamp=1572434594&user[login]=amigo30&user[password]=amigo30pass',
    secret: 'YYXAU8BEYBfv0Fn',
    signature: '99dc8e0a81afc0ff19b509c229c0256d7fe13220',
  },
  {
    name: 'user session with Facebook',
    params: {
      provider: 'facebook',
      'keys[token]': 'AM46dxjhisdffgry26282352fdusdfusdfgsdf',
      application_id: '716730',
      nonce: '33432',
      auth_key: 'bbfeCwWtz8dqF4F',
      timestamp: '1572434694',
    },
    normalized: 'application_id=716730&auth_key=bbfeCwWtz8dqF4F&keys[token]=AM46dxjhisdffgry26282352fdusdfusdfgsdf&nonce=33432&provider=facebook&timestamp=1572434694',
    secret: 'YYXAU8BEYBfv0Fn',
    signature: 'a54e6693b04f9edf6b42c903923f8e204e5316e6',
  },
  {
    name: 'user session with Firebase phone',
    params: {
      timestamp: '1626433392',
      provider: 'firebase_phone',
      nonce: '9823',
      'firebase_phone[project_id]': '56783',
      'firebase_phone[access_token]': FIREBASE_TOKEN,
      auth_key: 'XHudVt3ktSV3mpK',
      application_id: '86716',
    },
    normalized: `application_id=86716&auth_key=XHudVt3ktSV3mpK&firebase_phone[access_token]=${FIREBASE_TOKEN}&firebase_phone[project_id]=56783&nonce=9823&provider=firebase_phone&timestamp=1626433392`,
    secret: 'dMFLtwFt4fX567U',
    signature: '3fc62b95b4689e5b619bc6f4adfa267f68bc06fc',
  },
];

describe('normalized parameter string (signed token requests)', () => {
  it.each(QUICKBLOX)("reproduces QuickBlox's published example: $name", ({ params, normalized, secret, signature }) => {
    expect(normalizedParameters(params)).toBe(normalized);
    expect(createHmac('sha1', secret).update(normalizedParameters(params)).digest('hex')).toBe(signature);
  });

  it('leaves out the signature itself, whatever its position', () => {
    const params = { signature: 'abc', timestamp: '1', key_id: 'K', nonce: 'n' };
    expect(normalizedParameters(params)).toBe('key_id=K&nonce=n&timestamp=1');
  });

  it('keeps values exactly as sent: no encoding, no trimming', () => {
    expect(normalizedParameters({ scope: 'reports read', a: 'x&y=z', b: ' ' })).toBe('a=x&y=z&b= &scope=reports read');
  });

  it('signs with HMAC-SHA256 under the signing secret (checked against openssl)', () => {
    // printf 'application_id=716730&auth_key=bbfeCwWtz8dqF4F&nonce=33432&timestamp=1572434294' | openssl dgst -sha256 -hmac YYXAU8BEYBfv0Fn
    expect(hmacSha256Hex('YYXAU8BEYBfv0Fn', QUICKBLOX[0]!.normalized)).toBe(OPENSSL_SHA256);
  });

  it('reproduces the signed token request of docs/tokens.md', () => {
    const params = { key_id: '3hG7kQ2mZp9XcV1a', nonce: 'Q2x9fLm4Tz8vRb1sWc7nYk3h', timestamp: '1767225600', expires_in: '3600' };
    const normalized = normalizedParameters(params);
    expect(normalized).toBe('expires_in=3600&key_id=3hG7kQ2mZp9XcV1a&nonce=Q2x9fLm4Tz8vRb1sWc7nYk3h&timestamp=1767225600');
    // openssl dgst -sha256 -hmac kws_4Ck8YbqL0W2nVx3sZ9tRj5mHd1Fg7Ea6Uo8Ki2Pc0Qe
    expect(hmacSha256Hex('kws_4Ck8YbqL0W2nVx3sZ9tRj5mHd1Fg7Ea6Uo8Ki2Pc0Qe', normalized)).toBe('56c577c317c58092c361a69592a36ac2481202bdd797c1d1d220c78b5fd173bd');
  });

  it('reads JSON values as their text: strings, and integers in decimal', () => {
    expect(parameterText('1572434294')).toBe('1572434294');
    expect(parameterText(1572434294)).toBe('1572434294');
    for (const value of [1.5, true, null, {}, [], Number.MAX_SAFE_INTEGER + 2, NaN]) expect(parameterText(value)).toBeUndefined();
  });
});

const OPENSSL_SHA256 = 'cea634a6d24f7931b532eae0fd24c46bf4076928dcad72927bdf1e53ddbdff6f';
