import { formatSignatureHeader, parseSignatureHeader } from '../../../functions/src/signing/header';
import { isFresh } from '../../../functions/src/signing/grammar';

const good = {
  keyId: '3hG7kQ2mZp9XcV1a',
  timestamp: '1767225600',
  nonce: 'Zk3fQ9x2LmV8rT1wYb6nHc4s',
  signature: 'a'.repeat(64),
};
const params = (h = good) => formatSignatureHeader(h).slice('Keyward-HMAC-SHA256 '.length);
const reason = (text: string) => {
  const r = parseSignatureHeader(text);
  return r.ok ? 'ok' : r.reason;
};

describe('signature header', () => {
  it('round-trips what the client formats', () => {
    expect(parseSignatureHeader(params())).toEqual({ ok: true, value: good });
  });

  it('accepts the parameters in any order, with or without a space after commas', () => {
    const text = `Signature=${good.signature},Nonce=${good.nonce}, Credential=${good.keyId},Timestamp=${good.timestamp}`;
    expect(parseSignatureHeader(text)).toEqual({ ok: true, value: good });
  });

  it('refuses missing, repeated, unknown or differently spelled parameters', () => {
    expect(reason(`Credential=${good.keyId}, Timestamp=1, Nonce=${good.nonce}`)).toMatch(/needs/);
    expect(reason(`Credential=${good.keyId}, Credential=${good.keyId}, Nonce=${good.nonce}, Signature=${good.signature}`)).toMatch(/twice/);
    expect(reason(params().replace('Nonce=', 'Salt='))).toMatch(/needs/);
    expect(reason(params().replace('Nonce=', 'nonce='))).toMatch(/needs/);
    expect(reason(params() + ', Extra=1')).toMatch(/needs/);
  });

  it('refuses stray whitespace, quotes and empty values', () => {
    expect(reason(params().replace(', ', ',  '))).not.toBe('ok');
    expect(reason(params().replace('Nonce=', 'Nonce = '))).not.toBe('ok');
    expect(reason(params().replace(`Nonce=${good.nonce}`, `Nonce="${good.nonce}"`))).not.toBe('ok');
    expect(reason(params().replace(`Nonce=${good.nonce}`, 'Nonce='))).not.toBe('ok');
    expect(reason(params() + ' ')).not.toBe('ok');
  });

  it('holds every value to its shape', () => {
    expect(reason(params({ ...good, signature: 'A'.repeat(64) }))).toMatch(/lowercase hex/);
    expect(reason(params({ ...good, signature: 'a'.repeat(63) }))).toMatch(/lowercase hex/);
    expect(reason(params({ ...good, nonce: 'short' }))).toMatch(/Nonce/);
    expect(reason(params({ ...good, nonce: 'x'.repeat(65) }))).toMatch(/Nonce/);
    expect(reason(params({ ...good, nonce: 'has.a.dot.in.it.ok' }))).toMatch(/Nonce/);
    expect(reason(params({ ...good, timestamp: '-1' }))).toMatch(/Timestamp/);
    expect(reason(params({ ...good, timestamp: '1e9' }))).toMatch(/Timestamp/);
    expect(reason(params({ ...good, keyId: 'abc_def' }))).toMatch(/Credential/);
    expect(reason(params({ ...good, nonce: 'x'.repeat(16) }))).toBe('ok');
    expect(reason(params({ ...good, nonce: '_-'.repeat(32) }))).toBe('ok');
  });

  it('refuses anything over the length cap before looking at it', () => {
    expect(reason('x'.repeat(513))).toMatch(/too long/);
  });
});

describe('timestamp window', () => {
  const now = 1_767_225_600_000;
  it('accepts up to the window either way, and not beyond', () => {
    expect(isFresh('1767225600', now, 300)).toBe(true);
    expect(isFresh('1767225300', now, 300)).toBe(true);
    expect(isFresh('1767225900', now, 300)).toBe(true);
    expect(isFresh('1767225299', now, 300)).toBe(false);
    expect(isFresh('1767225901', now, 300)).toBe(false);
    expect(isFresh('99999999999999999999', now, 300)).toBe(false);
  });
});
