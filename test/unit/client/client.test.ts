import { AccessTokens, KeywardError, signedFetch, signRequest, signTokenRequest } from '../../../client/src';
import { parseSignatureHeader } from '../../../functions/src/signing/header';
import { hmacSha256Hex } from '../../../functions/src/signing/hmac';
import { normalizedParameters } from '../../../functions/src/signing/params';

const key = { keyId: 'Key0000000000001', signingSecret: 'kws_test' };
const T = Date.UTC(2026, 0, 1);

/** A fake /v1/auth/issue that hands out numbered tokens valid for `ttl` seconds. */
function issuer(ttl = 3600, now = () => T) {
  const calls: Array<{ url: string; body: Record<string, string>; headers: Headers }> = [];
  let fail: number | undefined;
  const fetchImpl = (async (url: string | URL, init?: RequestInit) => {
    calls.push({ url: String(url), body: JSON.parse(String(init?.body)), headers: new Headers(init?.headers) });
    await new Promise((r) => setImmediate(r)); // answer on a later turn, so concurrent callers overlap
    if (fail) return new Response(JSON.stringify({ error: { code: 'rate_limited', message: 'slow down' } }), { status: fail, headers: { 'retry-after': '30' } });
    return Response.json({ token: `t${calls.length}`, expires_at: Math.floor(now() / 1000) + ttl });
  }) as typeof fetch;
  return { calls, fetchImpl, failWith: (status?: number) => (fail = status) };
}

describe('client: signing', () => {
  it('signs with a parseable header, a fresh nonce each time, and On-Behalf-Of when asked', () => {
    const a = signRequest(key, { method: 'get', url: 'https://api.example/v1/me' }, { now: T });
    const b = signRequest(key, { method: 'get', url: 'https://api.example/v1/me' }, { now: T });
    const pa = parseSignatureHeader(a.authorization!.slice('Keyward-HMAC-SHA256 '.length));
    const pb = parseSignatureHeader(b.authorization!.slice('Keyward-HMAC-SHA256 '.length));
    expect(pa.ok && pb.ok).toBe(true);
    if (pa.ok && pb.ok) {
      expect(pa.value).toMatchObject({ keyId: key.keyId, timestamp: String(T / 1000) });
      expect(pa.value.nonce).not.toBe(pb.value.nonce);
      expect(pa.value.nonce).toMatch(/^[A-Za-z0-9_-]{32}$/);
    }
    expect(a['on-behalf-of']).toBeUndefined();
    expect(signRequest(key, { method: 'GET', url: 'https://api.example/v1/me', onBehalfOf: 'u2' })['on-behalf-of']).toBe('u2');
  });

  it('signedFetch sends the signed headers with the caller’s, and refuses bodies it cannot hash', async () => {
    let seen: Headers | undefined;
    const fetchImpl = (async (_u: string | URL, init?: RequestInit) => {
      seen = new Headers(init?.headers);
      return new Response(null, { status: 204 });
    }) as typeof fetch;
    await signedFetch(key, 'https://api.example/v1/x', { method: 'post', body: '{}', headers: { 'content-type': 'application/json' }, fetch: fetchImpl });
    expect(seen?.get('authorization')).toMatch(/^Keyward-HMAC-SHA256 Credential=Key0000000000001, /);
    expect(seen?.get('content-type')).toBe('application/json');
    await expect(signedFetch(key, 'https://api.example/v1/x', { method: 'POST', body: new URLSearchParams('a=1') as never, fetch: fetchImpl })).rejects.toThrow(TypeError);
  });

  it('signs the Content-Type it sends: the one given, or the text/plain fetch gives a string body; none without a body', async () => {
    const sent: Headers[] = [];
    const fetchImpl = (async (_u: string | URL, init?: RequestInit) => {
      sent.push(new Headers(init?.headers));
      return new Response(null, { status: 204 });
    }) as typeof fetch;
    const url = 'https://api.example/v1/x';
    const nonceOf = (h: Headers) => /Nonce=([^,]+)/.exec(h.get('authorization')!)![1]!;
    const signatureOf = (h: Headers) => /Signature=([0-9a-f]+)/.exec(h.get('authorization')!)![1]!;

    await signedFetch(key, url, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' }, fetch: fetchImpl });
    await signedFetch(key, url, { method: 'POST', body: 'x', fetch: fetchImpl });
    await signedFetch(key, url, { method: 'GET', fetch: fetchImpl });
    const [json, text, none] = sent as [Headers, Headers, Headers];
    expect([json.get('content-type'), text.get('content-type'), none.get('content-type')]).toEqual(['application/json', 'text/plain;charset=UTF-8', null]);
    // Each is what signRequest gives for the same request, second and nonce with that Content-Type.
    const at = (h: Headers) => Number(/Timestamp=(\d+)/.exec(h.get('authorization')!)![1]) * 1000;
    const again = (h: Headers, method: string, body: string | undefined, contentType: string | undefined) =>
      /Signature=([0-9a-f]+)/.exec(signRequest(key, { method, url, body, contentType }, { now: at(h), nonce: nonceOf(h) }).authorization!)![1];
    expect(signatureOf(json)).toBe(again(json, 'POST', '{}', 'application/json'));
    expect(signatureOf(text)).toBe(again(text, 'POST', 'x', 'text/plain;charset=UTF-8'));
    expect(signatureOf(none)).toBe(again(none, 'GET', undefined, undefined));
    expect(signatureOf(json)).not.toBe(again(json, 'POST', '{}', undefined));
    expect(signRequest(key, { method: 'POST', url, body: '{}', contentType: 'application/json' })['content-type']).toBe('application/json');
    expect(signRequest(key, { method: 'POST', url, body: '{}' })['content-type']).toBeUndefined();
  });

  it('signs token requests over the normalized parameters', () => {
    const body = signTokenRequest(key, { expires_in: '600' }, { now: T, nonce: 'abcdefghijklmnop' });
    expect(body).toEqual({
      expires_in: '600',
      key_id: key.keyId,
      nonce: 'abcdefghijklmnop',
      timestamp: String(T / 1000),
      signature: hmacSha256Hex('kws_test', `expires_in=600&key_id=${key.keyId}&nonce=abcdefghijklmnop&timestamp=${T / 1000}`),
    });
    expect(normalizedParameters(body)).not.toContain('signature');
  });
});

describe('client: access tokens', () => {
  it('caches the token and renews it 60 s before it expires', async () => {
    let now = T;
    const f = issuer(3600, () => now);
    const tokens = new AccessTokens({ baseUrl: 'https://api.example', apiKey: 'server_x_y', fetch: f.fetchImpl, now: () => now });
    expect(await tokens.token()).toBe('t1');
    now = T + (3600 - 61) * 1000;
    expect(await tokens.token()).toBe('t1');
    now = T + (3600 - 59) * 1000;
    expect(await tokens.token()).toBe('t2');
    expect(f.calls.map((c) => c.url)).toEqual(['https://api.example/v1/auth/issue', 'https://api.example/v1/auth/issue']);
    expect(f.calls[0]!.body).toEqual({ api_key: 'server_x_y' });
  });

  it('makes one request for many concurrent callers', async () => {
    const f = issuer();
    const tokens = new AccessTokens({ baseUrl: 'https://api.example', signingKey: key, fetch: f.fetchImpl, now: () => T });
    const all = await Promise.all(Array.from({ length: 20 }, () => tokens.token()));
    expect(new Set(all)).toEqual(new Set(['t1']));
    expect(f.calls).toHaveLength(1);
    expect(Object.keys(f.calls[0]!.body).sort()).toEqual(['key_id', 'nonce', 'signature', 'timestamp']);
  });

  it('keeps using a still-valid token when renewal fails, and reports the error once it has none', async () => {
    let now = T;
    const f = issuer(3600, () => now);
    const tokens = new AccessTokens({ baseUrl: 'https://api.example', apiKey: 'k', fetch: f.fetchImpl, now: () => now });
    await tokens.token();
    f.failWith(429);
    now = T + 3590 * 1000;
    expect(await tokens.token()).toBe('t1');
    now = T + 3600 * 1000;
    const err = await tokens.token().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeywardError);
    expect(err).toMatchObject({ status: 429, code: 'rate_limited', retryAfter: 30 });
  });

  it('sends Bearer tokens and the configured headers (a web key’s Origin)', async () => {
    const f = issuer();
    const seen: Headers[] = [];
    const fetchImpl = (async (url: string | URL, init?: RequestInit) => {
      if (String(url).endsWith('/v1/auth/issue')) return f.fetchImpl(url, init);
      seen.push(new Headers(init?.headers));
      return new Response('{}');
    }) as typeof fetch;
    const tokens = new AccessTokens({ baseUrl: 'https://api.example', apiKey: 'k', headers: { origin: 'https://app.example' }, fetch: fetchImpl, now: () => T });
    await tokens.fetch('/v1/me', { headers: { 'x-trace': '1' } });
    expect(seen[0]!.get('authorization')).toBe('Bearer t1');
    expect(seen[0]!.get('origin')).toBe('https://app.example');
    expect(seen[0]!.get('x-trace')).toBe('1');
    expect(f.calls[0]!.headers.get('origin')).toBe('https://app.example');
  });

  it('needs exactly one of apiKey and signingKey', () => {
    expect(() => new AccessTokens({ baseUrl: 'https://a' })).toThrow(TypeError);
    expect(() => new AccessTokens({ baseUrl: 'https://a', apiKey: 'k', signingKey: key })).toThrow(TypeError);
  });
});
