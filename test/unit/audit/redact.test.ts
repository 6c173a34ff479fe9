import fc from 'fast-check';
import type { AuditEvent } from '../../../functions/src/audit/events';
import { REDACTED, redact, safeEvent, safeText, stripUnsafe } from '../../../functions/src/audit/redact';
import { signingSecret } from '../../../functions/src/keys/digest';
import { formatKey, newKeyId, newSecret } from '../../../functions/src/keys/format';
import { type KeyType } from '../../../functions/src/identity';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const b64url = (s: string) => Buffer.from(s).toString('base64url');

function jwt(payload: object, signature = 'c2lnbmF0dXJlLWJ5dGVzLWhlcmUtYW5kLW1vcmUtb2YtdGhlbQ'): string {
  return `${b64url(JSON.stringify({ alg: 'RS256', kid: 'k1', typ: 'JWT' }))}.${b64url(JSON.stringify(payload))}.${signature}`;
}

function apiKey(type: KeyType = 'server') {
  const keyId = newKeyId();
  const secret = newSecret(type, keyId);
  return { keyId, secret, key: formatKey({ type, keyId, secret }) };
}

describe('redact: credential shapes become [redacted]', () => {
  const k = apiKey();
  const idToken = jwt({ iss: 'https://securetoken.google.com/demo-keyward', sub: 'u1', auth_time: 1 });
  const unsigned = `${b64url('{"alg":"none","typ":"JWT"}')}.${b64url('{"sub":"u1","aud":"demo-keyward"}')}.`;
  const kws = signingSecret(Buffer.alloc(32, 7), k.keyId, 'salt');
  const cases: Record<string, [input: string, secret: string]> = {
    'an API key': [`curl/8.5 ${k.key}`, k.secret],
    'a web key in a path': [`/v1/keys/${apiKey('web').key}`, 'web_'],
    'a key cut short': [k.key.slice(0, 40), k.key.slice(24, 40)],
    'a signing secret': [`sig ${kws} end`, kws.slice(4)],
    'an ID token': [`x ${idToken} y`, idToken.split('.')[2]!],
    'an unsigned emulator token': [unsigned, unsigned.split('.')[1]!],
    'a JWT cut after its payload': [idToken.split('.').slice(0, 2).join('.'), idToken.split('.')[1]!],
    'a Bearer header': [`Authorization: Bearer opaque-credential-123`, 'opaque-credential-123'],
    'an ApiKey header with a pair': [`ApiKey ${b64(`${k.keyId}:${k.secret}`)}`, b64(`${k.keyId}:${k.secret}`)],
    'a base64 key pair alone': [`ua ${b64(`${k.keyId}:${k.secret}`)}`, b64(`${k.keyId}:${k.secret}`)],
    'a base64url key pair': [b64url(`${k.keyId}:${k.secret}`), b64url(`${k.keyId}:${k.secret}`)],
    'a base64 secret alone (X-API-Secret)': [`s=${b64(k.secret)};`, b64(k.secret)],
    'a session cookie header': [`__session=${unsigned}; other=1`, unsigned],
    'a token in a query': [`/v1/me?token=abc.def.ghi&x=1`, 'abc.def.ghi'],
    'a signature header': [`Keyward-HMAC-SHA256 Credential=${k.keyId}, Timestamp=1, Nonce=n, Signature=${'ab12'.repeat(16)}`, 'ab12ab12ab12'],
    'a bare key secret': [`/v1/keys/${k.secret}`, k.secret],
    'a hex signature': [`sig ${'0f'.repeat(32)} end`, '0f0f0f0f0f0f0f0f'],
  };
  it.each(Object.entries(cases))('%s', (_name, [input, secret]) => {
    const out = safeText(input, 512)!;
    expect(out).toContain(REDACTED);
    expect(out).not.toContain(secret);
  });

  it('keeps what is not a credential', () => {
    const kept = [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
      'curl/8.5.0',
      'node',
      '/v1/keys/AbCdEfGh12345678/regenerate',
      'https://myapplication.firebaseapp.com',
      'http://127.0.0.1:5000',
      '203.0.113.7',
      '2001:db8::1',
      '0b7e3c1a-8d4f-4e2b-9c5a-1f2e3d4c5b6a',
      'grace period 60s',
      'revoked_credential',
      'Wz0Qj7mF3R0n2Z1bq8X3cK2yVhA1',
      'web_user_1',
    ];
    for (const text of kept) expect(safeText(text, 512)).toBe(text);
  });

  it('never lets a generated key, its pair forms or its signing secret through (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom<KeyType>('server', 'web', 'mobile'), fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), fc.integer({ min: 0, max: 3 }), (type, before, after, form) => {
        const { keyId, secret, key } = apiKey(type);
        const shown = [key, b64(`${keyId}:${secret}`), b64url(`${keyId}:${secret}`), `kws_${b64url(secret + keyId)}`][form]!;
        const out = safeText(`${before}${shown}${after}`, 256)!;
        expect(out).not.toContain(secret);
        expect(out).not.toContain(shown);
      }),
      { numRuns: 300 },
    );
  });

  it('redacts before it cuts, so a credential across the length cap leaves no part behind', () => {
    const { key, secret } = apiKey();
    const out = safeText('a'.repeat(240) + ' ' + key, 256)!;
    expect(out.length).toBeLessThanOrEqual(256);
    expect(out).not.toContain(secret.slice(0, 8));
    expect(out).not.toMatch(/server_/);
  });

  it('applies the opaque-run rule to free text only (uids may be long)', () => {
    const longUid = 'A1b2C3d4'.repeat(5);
    expect(redact(longUid, false)).toBe(longUid);
    expect(redact(longUid, true)).toBe(REDACTED);
  });
});

describe('log injection: strings are data', () => {
  it('turns control, bidi and zero-width characters into U+FFFD', () => {
    const hostile = 'ok\nFAKE ENTRY severity=INFO\r\u2028\u2029\u202eevil\u200b\u0000\u001b[31m\u0085\ufeff';
    const out = stripUnsafe(hostile);
    expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202e\u200b\ufeff]/);
    expect(out.startsWith('ok\ufffdFAKE ENTRY')).toBe(true);
  });

  it('replaces lone surrogates and never splits a pair at the cap', () => {
    expect(stripUnsafe('a\ud800b\udc00c')).toBe('a\ufffdb\ufffdc');
    const out = safeText('x'.repeat(8) + '😀'.repeat(10), 10)!;
    expect(out.length).toBeLessThanOrEqual(10);
    expect(out).toBe(stripUnsafe(out)); // no lone surrogate left by the cut
  });

  it('caps every field of an event', () => {
    const long = 'u'.repeat(5000);
    const e = safeEvent({
      event: 'auth.failure',
      outcome: 'failure',
      actor: { uid: long, keyId: long },
      target: { role: long },
      request: { ip: long, userAgent: long, origin: long, method: long, path: long, requestId: long },
      reason: long,
    });
    const lengths = [e.actor.uid, e.actor.keyId, e.target!.role, ...Object.values(e.request!), e.reason].map((v) => String(v).length);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(512);
    expect(e.request!.userAgent.length).toBeLessThanOrEqual(256);
  });
});

describe('safeEvent', () => {
  const base: AuditEvent = { event: 'key.create', outcome: 'success', actor: { uid: 'u1', method: 'id_token' }, target: { uid: 'u1', keyId: 'AbCdEfGh12345678' } };

  it('keeps known fields only and drops undefined ones', () => {
    const e = safeEvent({ ...base, request: { ip: '1.2.3.4', userAgent: 'ua', origin: undefined, method: 'POST', path: '/v1/keys', requestId: 'r1' }, extra: 'x' } as AuditEvent);
    expect(e).toEqual({ ...base, request: { ip: '1.2.3.4', userAgent: 'ua', method: 'POST', path: '/v1/keys', requestId: 'r1' } });
    expect('reason' in e).toBe(false);
  });

  it('passes request ids (UUIDs) as the full rules would, and still redacts a credential sent as one', () => {
    const hex = fc.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    fc.assert(
      fc.property(hex, (id) => {
        const e = safeEvent({ ...base, request: { ip: '', userAgent: '', origin: undefined, method: 'GET', path: '/', requestId: id } });
        // The shortcut's answer is the rules' answer: computed in full, the id comes out unchanged too.
        expect(e.request!.requestId).toBe(id);
        expect(safeText(id, 64, false)).toBe(id);
      }),
    );
    const k = apiKey();
    const e = safeEvent({ ...base, request: { ip: '', userAgent: '', origin: undefined, method: 'GET', path: '/', requestId: k.key } });
    expect(e.request!.requestId).toBe(REDACTED);
  });

  it('refuses events and outcomes outside the closed sets', () => {
    expect(() => safeEvent({ ...base, event: 'key.delete' as never })).toThrow(/unknown audit event/);
    expect(() => safeEvent({ ...base, outcome: 'maybe' as never })).toThrow(/unknown audit outcome/);
  });
});
