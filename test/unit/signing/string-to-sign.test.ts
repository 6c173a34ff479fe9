import { formatSignatureHeader } from '../../../functions/src/signing/header';
import { bodySha256Hex, hmacSha256Hex } from '../../../functions/src/signing/hmac';
import { stringToSign } from '../../../functions/src/signing/string-to-sign';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

// The worked example of docs/tokens.md: if this changes, the documentation is wrong.
const WORKED_EXAMPLE = {
  keyId: '3hG7kQ2mZp9XcV1a',
  signingSecret: 'kws_4Ck8YbqL0W2nVx3sZ9tRj5mHd1Fg7Ea6Uo8Ki2Pc0Qe',
  timestamp: '1767225600',
  nonce: 'Zk3fQ9x2LmV8rT1wYb6nHc4s',
  method: 'POST',
  path: '/v1/reports',
  rawQuery: 'year=2026&tag=b+c&tag=a',
  body: '{"title":"Q1"}',
  contentType: 'application/json',
  stringToSign: [
    'KEYWARD-HMAC-SHA256',
    '1767225600',
    'Zk3fQ9x2LmV8rT1wYb6nHc4s',
    'POST',
    '/v1/reports',
    'tag=a&tag=b%20c&year=2026',
    '1db8fb9e34b2141399a7634489554c11bf364ea8bc5a2faf64ad27501751dc7c',
    'content-type:application/json',
  ].join('\n'),
  signature: '22bd5af8121c75ea8bcd56bbda309a97c7f43643625d00ae69d7af64af15369c',
};

describe('string to sign', () => {
  it('joins the lines of the contract with \\n, the body as hex SHA-256', () => {
    const body = bodySha256Hex(WORKED_EXAMPLE.body);
    const text = stringToSign({ ...WORKED_EXAMPLE, bodySha256: body });
    expect(body).toBe('1db8fb9e34b2141399a7634489554c11bf364ea8bc5a2faf64ad27501751dc7c');
    expect(text).toBe(WORKED_EXAMPLE.stringToSign);
    expect(hmacSha256Hex(WORKED_EXAMPLE.signingSecret, text)).toBe(WORKED_EXAMPLE.signature);
  });

  it('hashes an absent body as the empty string', () => {
    expect(bodySha256Hex()).toBe(EMPTY_SHA256);
    expect(bodySha256Hex(new Uint8Array())).toBe(EMPTY_SHA256);
    expect(bodySha256Hex(Buffer.from('{"a":1}'))).toBe(bodySha256Hex('{"a":1}'));
  });

  it('puts the method in capitals and leaves the canonical query line empty without a query', () => {
    const text = stringToSign({ timestamp: '1', nonce: 'n', method: 'get', path: '/v1/me', rawQuery: '', bodySha256: EMPTY_SHA256 });
    expect(text.split('\n')).toEqual(['KEYWARD-HMAC-SHA256', '1', 'n', 'GET', '/v1/me', '', EMPTY_SHA256]);
  });

  it('adds the on-behalf-of line only when the header is present', () => {
    const base = { timestamp: '1', nonce: 'n', method: 'GET', path: '/v1/me', rawQuery: '', bodySha256: EMPTY_SHA256 };
    expect(stringToSign(base).split('\n')).toHaveLength(7);
    const lines = stringToSign({ ...base, onBehalfOf: 'uid-42' }).split('\n');
    expect(lines).toHaveLength(8);
    expect(lines[7]).toBe('on-behalf-of:uid-42');
    expect(stringToSign({ ...base, onBehalfOf: '' }).split('\n')[7]).toBe('on-behalf-of:');
  });

  it('adds the content-type line only when the header is present, before on-behalf-of, its value as sent but trimmed', () => {
    const base = { timestamp: '1', nonce: 'n', method: 'POST', path: '/v1/me', rawQuery: '', bodySha256: EMPTY_SHA256 };
    expect(stringToSign({ ...base, contentType: 'application/json' }).split('\n').slice(7)).toEqual(['content-type:application/json']);
    expect(stringToSign({ ...base, contentType: 'Application/JSON; Charset="UTF-8"', onBehalfOf: 'uid-42' }).split('\n').slice(7)).toEqual([
      'content-type:Application/JSON; Charset="UTF-8"', // not lower-cased, parameters kept
      'on-behalf-of:uid-42',
    ]);
    expect(stringToSign({ ...base, contentType: ' \tapplication/json \t' })).toBe(stringToSign({ ...base, contentType: 'application/json' }));
    expect(stringToSign({ ...base, contentType: '' }).split('\n')[7]).toBe('content-type:');
    // Present but empty is not absent; JSON with a charset is not plain JSON.
    expect(new Set([undefined, '', 'application/json', 'application/json; charset=utf-8', 'application/x-www-form-urlencoded'].map((contentType) => stringToSign({ ...base, contentType }))).size).toBe(5);
  });

  it('changes with every signed part', () => {
    const base = { timestamp: '1', nonce: 'n', method: 'GET', path: '/v1/me', rawQuery: 'a=1', bodySha256: EMPTY_SHA256 };
    const variants = [
      { timestamp: '2' },
      { nonce: 'm' },
      { method: 'POST' },
      { path: '/v1/keys' },
      { rawQuery: 'a=2' },
      { bodySha256: bodySha256Hex('x') },
      { onBehalfOf: 'u' },
      { contentType: 'application/json' },
    ];
    const texts = new Set([stringToSign(base), ...variants.map((v) => stringToSign({ ...base, ...v }))]);
    expect(texts.size).toBe(variants.length + 1);
  });

  it('formats the Authorization header of the worked example', () => {
    expect(formatSignatureHeader({ keyId: WORKED_EXAMPLE.keyId, timestamp: WORKED_EXAMPLE.timestamp, nonce: WORKED_EXAMPLE.nonce, signature: WORKED_EXAMPLE.signature })).toBe(
      `Keyward-HMAC-SHA256 Credential=3hG7kQ2mZp9XcV1a, Timestamp=1767225600, Nonce=Zk3fQ9x2LmV8rT1wYb6nHc4s, Signature=${WORKED_EXAMPLE.signature}`,
    );
  });
});
