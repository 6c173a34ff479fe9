// The signed-request verifier with in-memory ports: what is checked, in which order, and that
// nothing refused ever spends a nonce.
import { secretGeneration } from '../../../functions/src/keys/digest';
import { signatureVerifier, signedKeyVerifier, type SignatureDeps } from '../../../functions/src/credentials/signature';
import { signingSecret } from '../../../functions/src/keys/digest';
import { memoryFailureLimiter } from '../../harness/limits';
import { formatSignatureHeader } from '../../../functions/src/signing/header';
import { bodySha256Hex, hmacSha256Hex } from '../../../functions/src/signing/hmac';
import { stringToSign } from '../../../functions/src/signing/string-to-sign';
import type { KeyRecord } from '../../../functions/src/keys/record';
import type { RequestContext } from '../../../functions/src/request';
import { signRequest } from '../../../client/src';
import { clock, hmacMaterial, info, keyCache, memoryNonces, memorySecret, noUseRecorder, record, users } from '../../harness/memory';
import { codeOf } from '../../harness/outcomes';

function setup(over: Partial<KeyRecord> = {}) {
  const time = clock();
  const v1 = { version: '1', material: hmacMaterial() };
  const hmacSecret = memorySecret([v1]);
  const rec = record(over);
  const records = new Map([[rec.keyId, rec]]);
  const nonces = memoryNonces();
  const deps: SignatureDeps = {
    cache: keyCache(records, time.now),
    hmacSecret,
    users: users([{ uid: rec.ownerUid, claims: { permissions: ['reports'] }, disabled: false, validSince: 0 }]),
    useRecorder: noUseRecorder,
    failures: memoryFailureLimiter(1000),
    nonces,
    windowSeconds: 300,
    now: time.now,
  };
  const key = { keyId: rec.keyId, signingSecret: signingSecret(v1.material, rec.keyId, rec.secrets[0]!.salt) };
  return { time, v1, hmacSecret, rec, records, nonces, deps, key, verify: signatureVerifier(deps) };
}
type Setup = ReturnType<typeof setup>;

/** A request as the server sees it, signed by the client's own signRequest. */
function signed(s: Setup, req: { method?: string; url?: string; body?: string; contentType?: string; onBehalfOf?: string; nonce?: string; now?: number } = {}): RequestContext {
  const url = new URL(req.url ?? 'https://api.example/v1/me?b=2&a=1');
  const method = req.method ?? 'GET';
  const headers = signRequest(s.key, { method, url, body: req.body, contentType: req.contentType, onBehalfOf: req.onBehalfOf }, { now: req.now ?? s.time.now(), nonce: req.nonce });
  const raw = Object.entries(headers).flat();
  return info({
    method,
    path: url.pathname,
    rawQuery: url.search.slice(1),
    rawBody: Buffer.from(req.body ?? ''),
    rawHeaders: raw,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
  });
}
const params = (i: RequestContext) => String(i.headers.authorization).slice('Keyward-HMAC-SHA256 '.length);

describe('signed requests', () => {
  it('accepts a request the client signed: a signature identity with the key and its scopes', async () => {
    const s = setup({ scopes: ['reports'] });
    const req = signed(s);
    expect(await s.verify(params(req), req)).toEqual({
      uid: 'owner-1',
      claims: { permissions: ['reports'] },
      method: 'signature',
      keyId: s.rec.keyId,
      keyType: 'server',
      scopes: ['reports'],
      secretGeneration: secretGeneration(s.rec.secrets[0]!.salt),
    });
    expect(s.nonces.seen.size).toBe(1);
    // Remembered until the timestamp leaves the window.
    expect([...s.nonces.seen.values()][0]).toBe(Math.floor(s.time.now() / 1000) * 1000 + 301_000);
  });

  it('refuses the same nonce twice', async () => {
    const s = setup();
    const req = signed(s);
    await s.verify(params(req), req);
    expect(await codeOf(s.verify(params(req), req))).toBe('replayed_request');
  });

  it('refuses a changed method, path, query, body or On-Behalf-Of, without spending the nonce', async () => {
    const s = setup();
    const req = signed(s, { method: 'POST', url: 'https://api.example/v1/keys?x=1', body: '{"name":"a"}' });
    const tampered: RequestContext[] = [
      { ...req, method: 'PUT' },
      { ...req, path: '/v1/keys/other' },
      { ...req, rawQuery: 'x=2' },
      { ...req, rawQuery: 'x=1&y=1' },
      { ...req, rawBody: Buffer.from('{"name":"b"}') },
      { ...req, headers: { ...req.headers, 'on-behalf-of': 'victim' } },
    ];
    for (const t of tampered) expect(await codeOf(s.verify(params(req), t))).toBe('invalid_signature');
    expect(s.nonces.stats.writes).toBe(0);
    expect(await codeOf(s.verify(params(req), req))).toBe('ok');
  });

  it('accepts the query in any order and spelling, since it is canonicalized', async () => {
    const s = setup();
    const req = signed(s, { url: 'https://api.example/v1/me?name=J%C3%BCrgen&q=a+b' });
    expect(await codeOf(s.verify(params(req), { ...req, rawQuery: 'q=a%20b&name=J%c3%bcrgen' }))).toBe('ok');
  });

  it('signs On-Behalf-Of when it is sent', async () => {
    const s = setup();
    const req = signed(s, { onBehalfOf: 'user-2' });
    expect(await codeOf(s.verify(params(req), req))).toBe('ok');
    const dropped = signed(s, { onBehalfOf: 'user-2' });
    expect(await codeOf(s.verify(params(dropped), { ...dropped, headers: { authorization: dropped.headers.authorization } }))).toBe('invalid_signature');
  });

  it('signs the Content-Type: one changed, added or dropped on the way is refused, a repeated one is 400, and no nonce is spent', async () => {
    const s = setup();
    const req = signed(s, { method: 'POST', url: 'https://api.example/v1/keys', body: '{"name":"a"}', contentType: 'application/json' });
    /** The request as the server would see it with these Content-Type headers (raw and in the map, as Node gives them). */
    const withTypes = (r: RequestContext, ...types: string[]): RequestContext => {
      const raw: string[] = [];
      for (let i = 0; i < r.rawHeaders.length; i += 2) if (r.rawHeaders[i]!.toLowerCase() !== 'content-type') raw.push(r.rawHeaders[i]!, r.rawHeaders[i + 1]!);
      const { 'content-type': _old, ...headers } = r.headers;
      return { ...r, rawHeaders: [...raw, ...types.flatMap((t) => ['Content-Type', t])], headers: types.length ? { ...headers, 'content-type': types[0] } : headers };
    };
    for (const t of [withTypes(req, 'application/json; charset=utf-8'), withTypes(req, 'text/plain'), withTypes(req, 'application/x-www-form-urlencoded'), withTypes(req)]) {
      expect(await codeOf(s.verify(params(req), t))).toBe('invalid_signature');
    }
    const bare = signed(s, { method: 'POST', url: 'https://api.example/v1/keys', body: '{"name":"a"}' });
    expect(await codeOf(s.verify(params(bare), withTypes(bare, 'application/json')))).toBe('invalid_signature');
    expect(await codeOf(s.verify(params(req), withTypes(req, 'application/json', 'text/plain')))).toBe('invalid_request');
    expect(s.nonces.stats.writes).toBe(0);
    expect(await codeOf(s.verify(params(req), withTypes(req, ' application/json\t')))).toBe('ok'); // spaces around it are not part of it
  });

  it('refuses timestamps more than 300 s away before reading anything', async () => {
    const s = setup();
    for (const skew of [-301_000, 302_000]) {
      const req = signed(s, { now: s.time.now() + skew });
      expect(await codeOf(s.verify(params(req), req))).toBe('stale_request');
    }
    expect((s.deps.cache as unknown as { loads: number }).loads).toBe(0);
    const edge = signed(s, { now: s.time.now() - 299_000 });
    expect(await codeOf(s.verify(params(edge), edge))).toBe('ok');
  });

  it('refuses a malformed header, an uppercase signature and an unknown key', async () => {
    const s = setup();
    const req = signed(s);
    expect(await codeOf(s.verify(params(req).replace(/Signature=([0-9a-f]+)/, (_m, h: string) => `Signature=${h.toUpperCase()}`), req))).toBe('invalid_credential');
    expect(await codeOf(s.verify('Credential=x', req))).toBe('invalid_credential');
    const other = { ...s.key, keyId: 'Unknown000000001' };
    const h = signRequest(other, { method: 'GET', url: 'https://api.example/v1/me' }, { now: s.time.now() });
    const unknown = info({ headers: { authorization: h.authorization } });
    expect(await codeOf(s.verify(h.authorization!.slice(20), unknown))).toBe('invalid_signature');
    expect(s.nonces.stats.writes).toBe(0);
  });

  it("applies the key's status and restrictions before spending the nonce", async () => {
    for (const [over, code, origin] of [
      [{ revokedAt: Date.now() }, 'revoked_credential', undefined],
      [{ expiresAt: 1 }, 'expired_credential', undefined],
      [{ type: 'web', allowedOrigins: ['https://app.example'] }, 'origin_not_allowed', 'https://evil.example'],
      [{ type: 'web', allowedOrigins: ['https://app.example'] }, 'ok', 'https://app.example'],
      [{ allowedIps: ['10.0.0.0/8'] }, 'ip_not_allowed', undefined],
    ] as Array<[Partial<KeyRecord>, string, string | undefined]>) {
      const s = setup(over);
      const req = { ...signed(s), origin };
      expect(await codeOf(s.verify(params(req), req))).toBe(code);
      expect(s.nonces.stats.writes).toBe(code === 'ok' ? 1 : 0);
    }
  });

  it("accepts the previous secret during its grace period only, and not once its HMAC version is disabled", async () => {
    const s = setup();
    const oldKey = s.key;
    const v2 = { version: '2', material: hmacMaterial() };
    s.hmacSecret.setEnabled([s.v1, v2]);
    const current = { digest: 'd', version: '2', salt: 'newsalt000000001', notAfter: null };
    const previous = { ...s.rec.secrets[0]!, notAfter: s.time.now() + 60_000 };
    s.records.set(s.rec.keyId, { ...s.rec, secrets: [current, previous] });
    s.deps.cache.delete(s.rec.keyId);
    const newKey = { keyId: s.rec.keyId, signingSecret: signingSecret(v2.material, s.rec.keyId, current.salt) };

    const withKey = (key: typeof oldKey) => {
      const h = signRequest(key, { method: 'GET', url: 'https://api.example/v1/me' }, { now: s.time.now() });
      return s.verify(h.authorization!.slice(20), info({ headers: { authorization: h.authorization } }));
    };
    expect(await codeOf(withKey(newKey))).toBe('ok');
    expect(await codeOf(withKey(oldKey))).toBe('ok');
    s.hmacSecret.setEnabled([v2]);
    expect(await codeOf(withKey(oldKey))).toBe('invalid_signature');
    s.hmacSecret.setEnabled([s.v1, v2]);
    s.time.advance(61_000);
    s.deps.cache.delete(s.rec.keyId);
    // Past its grace period the old secret is refused as replaced (keys/status.ts), as its tokens are.
    expect(await codeOf(withKey(oldKey))).toBe('revoked_credential');
    expect(await codeOf(withKey(newKey))).toBe('ok');
  });

  it('verifies signed token requests over the message it is given', async () => {
    const s = setup();
    const verify = signedKeyVerifier(s.deps);
    const timestamp = String(Math.floor(s.time.now() / 1000));
    const message = `key_id=${s.rec.keyId}&nonce=abcdefghijklmnop&timestamp=${timestamp}`;
    const claim = { keyId: s.rec.keyId, timestamp, nonce: 'abcdefghijklmnop', message, signature: hmacSha256Hex(s.key.signingSecret, message) };
    expect((await verify(claim, info())).identity.method).toBe('signature');
    expect(await codeOf(verify(claim, info()))).toBe('replayed_request');
    const other = `${message}&scope=admin`;
    expect(await codeOf(verify({ ...claim, nonce: 'bbcdefghijklmnop', message: other }, info()))).toBe('invalid_signature');
  });

  it('matches a hand-computed string to sign (the server does not depend on the client)', async () => {
    const s = setup();
    const timestamp = String(Math.floor(s.time.now() / 1000));
    const nonce = 'n'.repeat(20);
    const text = stringToSign({ timestamp, nonce, method: 'DELETE', path: '/v1/keys/abc', rawQuery: '', bodySha256: bodySha256Hex() });
    const header = formatSignatureHeader({ keyId: s.rec.keyId, timestamp, nonce, signature: hmacSha256Hex(s.key.signingSecret, text) });
    const req = info({ method: 'DELETE', path: '/v1/keys/abc', headers: { authorization: header } });
    expect(await codeOf(s.verify(header.slice(20), req))).toBe('ok');
  });
});
