// Issuance and verification of access tokens, end to end in memory: the real jose signing and
// verification, the real keyring, with the provider secret, key cache and users as fakes.
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { errorHeaders, rateLimitHeaders } from '../../../functions/src/http/errors';
import * as jose from 'jose';
import { memoryAuditSink } from '../../harness/memory';
import { accessTokenVerifier } from '../../../functions/src/credentials/access-token';
import type { Identity } from '../../../functions/src/identity';
import { KeywardError } from '../../../functions/src/errors';
import { secretGeneration } from '../../../functions/src/keys/digest';
import { formatKey, newSecret } from '../../../functions/src/keys/format';
import type { IssueLimiter } from '../../../functions/src/limits/issue-limiter';
import { decide } from '../../../functions/src/limits/window';
import type { KeyRecord } from '../../../functions/src/keys/record';
import { tokenIssuer } from '../../../functions/src/actions/tokens';
import { tokenKeyring } from '../../../functions/src/tokens/keyring';
import { clock, ecJwk, info, keyCache, memorySecret, noUseRecorder, record, users } from '../../harness/memory';
import { codeOf } from '../../harness/outcomes';

const ISSUER = 'https://keyward.test';
const AUDIENCE = 'test-api';
const TTL = { server: 86_400, web: 3600, mobile: 86_400 };
const KEYS = { defaultTtlDays: 180, maxTtlDays: 365, maxPerUser: 100, maxPerTeam: 500, prefix: '' };

function setup(opts: { rec?: Partial<KeyRecord>; limit?: number } = {}) {
  const time = clock();
  const v1 = { version: '1', material: ecJwk() };
  const secret = memorySecret([v1]);
  const keyring = tokenKeyring(secret, time.now);
  const rec = record(opts.rec);
  const records = new Map([[rec.keyId, rec]]);
  const cache = keyCache(records, time.now);
  const dir = users([{ uid: rec.ownerUid, claims: { permissions: ['reports', 'billing'] }, disabled: false, validSince: 0 }]);
  const audit = memoryAuditSink();
  let issued = 0;
  const limiter: IssueLimiter = { take: async () => decide(++issued, opts.limit ?? 10, time.now(), 60_000) };
  const identity: Identity = {
    uid: rec.ownerUid,
    claims: { permissions: ['reports', 'billing'] },
    method: 'api_key',
    keyId: rec.keyId,
    keyType: rec.type,
    scopes: rec.scopes ?? undefined,
    secretGeneration: secretGeneration(rec.secrets[0]!.salt),
  };
  const apiKeyCalls: string[] = [];
  const freshFlags: boolean[] = [];
  const issuer = tokenIssuer({
    config: { tokens: { issuer: ISSUER, audience: AUDIENCE, ttlSeconds: TTL }, keys: KEYS },
    keyring,
    verifyApiKey: async (key, _info, options) => {
      apiKeyCalls.push(key.keyId);
      freshFlags.push(options?.fresh === true);
      return identity;
    },
    verifySigned: async () => ({ identity: { ...identity, method: 'signature' }, record: rec }),
    limiter,
    audit,
    now: time.now,
  });
  const verify = accessTokenVerifier({ keyring, cache, users: dir, useRecorder: noUseRecorder, issuer: ISSUER, audience: AUDIENCE, maxTtlSeconds: 86_400, ttlSeconds: TTL, now: time.now });
  const apiKey = formatKey({ type: rec.type, keyId: rec.keyId, secret: newSecret(rec.type, rec.keyId) });
  return { time, v1, secret, keyring, rec, records, cache, dir, audit, issuer, verify, apiKey, apiKeyCalls, freshFlags };
}

type Setup = ReturnType<typeof setup>;
const issue = async (s: Setup, extra: Record<string, unknown> = {}, req = info({ method: 'POST', path: '/v1/auth/issue' })) =>
  (await s.issuer.issue({ api_key: s.apiKey, ...extra }, req)).body.token;

/** Signs arbitrary claims with the real version-1 key (for expired and not-yet-valid tokens). */
async function signWith(s: Setup, claims: jose.JWTPayload, header: Partial<jose.JWTHeaderParameters> = {}) {
  const key = await jose.importJWK(JSON.parse(s.v1.material.toString()), 'ES256');
  return new jose.SignJWT({ key_id: s.rec.keyId, key_type: s.rec.type, key_gen: secretGeneration(s.rec.secrets[0]!.salt), ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'v1', ...header })
    .sign(key);
}
const nowS = (s: Setup) => Math.floor(s.time.now() / 1000);
const base = (s: Setup) => ({ iss: ISSUER, aud: AUDIENCE, sub: s.rec.ownerUid, iat: nowS(s), exp: nowS(s) + 600, jti: 'j' });

describe('access tokens', () => {
  it('issues an ES256 JWT with the contract claims that third parties verify with the JWKS', async () => {
    const s = setup();
    const res = await s.issuer.issue({ api_key: s.apiKey }, info({ method: 'POST' }));
    const { token, expires_at } = res.body;
    expect(expires_at).toBe(nowS(s) + 86_400);
    expect(rateLimitHeaders(res.rateLimit)).toMatchObject({ 'RateLimit-Limit': '10', 'RateLimit-Remaining': '9' });
    const jwks = jose.createLocalJWKSet((await s.issuer.jwks()) as jose.JSONWebKeySet);
    const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, { issuer: ISSUER, audience: AUDIENCE, currentDate: new Date(s.time.now()) });
    expect(protectedHeader).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: 'v1' });
    expect(payload).toMatchObject({ iss: ISSUER, sub: 'owner-1', aud: AUDIENCE, iat: nowS(s), nbf: nowS(s), exp: expires_at, key_id: s.rec.keyId, key_type: 'server' });
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload.scope).toBeUndefined();
    expect(s.audit.events).toEqual([expect.objectContaining({ event: 'token.issue', outcome: 'success', actor: { uid: 'owner-1', method: 'api_key', keyId: s.rec.keyId } })]);
    expect(JSON.stringify(s.audit.events)).not.toContain(token);
  });

  it('publishes only public keys, with kid, alg and use', async () => {
    const s = setup();
    const { keys } = (await s.issuer.jwks()) as { keys: jose.JWK[] };
    expect(keys).toEqual([{ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: 'v1', alg: 'ES256', use: 'sig' }]);
  });

  it('verifies its own tokens into an access_token identity, narrowed by the scopes', async () => {
    const s = setup({ rec: { scopes: ['reports'] } });
    const identity = await s.verify(await issue(s), info());
    expect(identity).toEqual({
      uid: 'owner-1',
      claims: { permissions: ['reports'] },
      method: 'access_token',
      keyId: s.rec.keyId,
      keyType: 'server',
      scopes: ['reports'],
      secretGeneration: secretGeneration(s.rec.secrets[0]!.salt),
    });
  });

  it('narrows further to the scope requested at issuance, never beyond the key', async () => {
    const s = setup({ rec: { scopes: ['reports', 'billing'] } });
    const identity = await s.verify(await issue(s, { scope: 'billing' }), info());
    expect(identity.scopes).toEqual(['billing']);
    expect(identity.claims.permissions).toEqual(['billing']);
    expect(await codeOf(issue(s, { scope: 'admin' }))).toBe('insufficient_scope');
    const unscoped = setup();
    expect(await codeOf(issue(unscoped, { scope: 'reports payroll' }))).toBe('insufficient_scope');
    expect((await unscoped.verify(await issue(unscoped, { scope: 'reports' }), info())).scopes).toEqual(['reports']);
  });

  it('caps expires_in at the key type lifetime and accepts shorter ones', async () => {
    const s = setup();
    expect((await s.issuer.issue({ api_key: s.apiKey, expires_in: 120 }, info())).body.expires_at).toBe(nowS(s) + 120);
    expect((await s.issuer.issue({ api_key: s.apiKey, expires_in: '999999' }, info())).body.expires_at).toBe(nowS(s) + 86_400);
    expect(await codeOf(s.issuer.issue({ api_key: s.apiKey, expires_in: 10 }, info()))).toBe('invalid_request');
    const web = setup({ rec: { type: 'web', allowedOrigins: ['https://app.example'] } });
    expect((await web.issuer.issue({ api_key: web.apiKey }, info())).body.expires_at).toBe(nowS(web) + 3600);
  });

  it('refuses a malformed key without looking anything up', async () => {
    const s = setup();
    const tampered = s.apiKey.slice(0, -1) + (s.apiKey.endsWith('a') ? 'b' : 'a');
    expect(await codeOf(s.issuer.issue({ api_key: tampered }, info()))).toBe('invalid_credential');
    expect(await codeOf(s.issuer.issue({ api_key: 'server_x' }, info()))).toBe('invalid_credential');
    expect(s.apiKeyCalls).toEqual([]);
  });

  it('refuses a second credential, unknown fields, mixed forms and an empty body', async () => {
    const s = setup();
    const withHeader = info({ rawHeaders: ['X-API-Key', s.apiKey] });
    expect(await codeOf(s.issuer.issue({ api_key: s.apiKey }, withHeader))).toBe('multiple_credentials');
    const withCookie = info({ rawHeaders: ['Cookie', '__session=abc'] });
    expect(await codeOf(s.issuer.issue({ api_key: s.apiKey }, withCookie))).toBe('multiple_credentials');
    expect(await codeOf(s.issuer.issue({ api_key: s.apiKey, admin: true }, info()))).toBe('invalid_request');
    expect(await codeOf(s.issuer.issue({ api_key: s.apiKey, key_id: s.rec.keyId }, info()))).toBe('invalid_request');
    expect(await codeOf(s.issuer.issue({}, info()))).toBe('invalid_request');
    expect(await codeOf(s.issuer.issue({ api_key: ['x'] }, info()))).toBe('invalid_request');
    expect(await codeOf(s.issuer.issue({ key_id: s.rec.keyId, nonce: 'n'.repeat(16) }, info()))).toBe('invalid_request');
    expect(s.apiKeyCalls).toEqual([]);
  });

  it('passes a signed token request the normalized parameter string to verify', async () => {
    const s = setup();
    const seen: string[] = [];
    const issuer = tokenIssuer({
      config: { tokens: { issuer: ISSUER, audience: AUDIENCE, ttlSeconds: TTL }, keys: KEYS },
      keyring: s.keyring,
      verifyApiKey: async () => {
        throw new Error('not this form');
      },
      verifySigned: async (claim) => {
        seen.push(claim.message, claim.signature);
        return { identity: { uid: 'owner-1', claims: {}, method: 'signature', keyId: s.rec.keyId, keyType: 'server' }, record: s.rec };
      },
      limiter: { take: async () => decide(1, 10, s.time.now(), 60_000) },
      audit: s.audit,
      now: s.time.now,
    });
    const body = { key_id: s.rec.keyId, nonce: 'abcdefghijklmnop', timestamp: 1767268800, expires_in: '600', signature: 'f'.repeat(64) };
    await issuer.issue(body, info());
    expect(seen).toEqual([`expires_in=600&key_id=${s.rec.keyId}&nonce=abcdefghijklmnop&timestamp=1767268800`, 'f'.repeat(64)]);
    expect(await codeOf(issuer.issue({ ...body, signature: 'F'.repeat(64) }, info()))).toBe('invalid_credential');
    expect(await codeOf(issuer.issue({ ...body, nonce: 'short' }, info()))).toBe('invalid_credential');
    expect(await codeOf(issuer.issue({ ...body, timestamp: '17e8' }, info()))).toBe('invalid_credential');
  });

  it('answers 429 with Retry-After and RateLimit headers over the issuance limit, and issues nothing', async () => {
    const s = setup({ limit: 1 });
    await issue(s);
    let refusal: KeywardError | undefined;
    try {
      await issue(s);
    } catch (err) {
      refusal = err as KeywardError;
    }
    expect(refusal?.code).toBe('rate_limited');
    expect(errorHeaders(refusal!)).toEqual({ 'RateLimit-Limit': '1', 'RateLimit-Remaining': '0', 'RateLimit-Reset': '60', 'Retry-After': '60' });
    expect(s.audit.events.filter((e) => e.outcome === 'success')).toHaveLength(1);
    expect(s.audit.events.at(-1)).toMatchObject({ event: 'token.issue', outcome: 'failure', reason: 'rate_limited' });
  });

  it('returns no token when the audit log cannot be written', async () => {
    const s = setup();
    s.audit.record = async () => {
      throw new Error('logging down');
    };
    expect(await codeOf(issue(s))).toBe('unavailable');
  });

  it('refuses tokens that are forged, unsigned, HMAC-signed with the public key, or from a foreign key', async () => {
    const s = setup();
    const token = await issue(s);
    const [h, p, sig] = token.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forgedPayload = Buffer.from(JSON.stringify({ ...payload, sub: 'someone-else' })).toString('base64url');
    const bad: Record<string, string> = {
      forged: `${h}.${forgedPayload}.${sig}`,
      truncated: `${h}.${p}.${sig.slice(0, 20)}`,
      none: `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: 'v1' })).toString('base64url')}.${p}.`,
      garbage: 'a.b.c',
    };
    // HS256 with the public key as the HMAC secret: the classic algorithm confusion.
    const publicJwk = ((await s.issuer.jwks()) as { keys: jose.JWK[] }).keys[0]!;
    const hsHeader = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'at+jwt', kid: 'v1' })).toString('base64url');
    const publicPem = (await jose.exportSPKI((await jose.importJWK(publicJwk, 'ES256')) as jose.KeyLike));
    for (const secretForm of [JSON.stringify(publicJwk), publicPem]) {
      const mac = createHmac('sha256', secretForm).update(`${hsHeader}.${p}`).digest('base64url');
      bad[`hs256 ${secretForm.slice(0, 5)}`] = `${hsHeader}.${p}.${mac}`;
    }
    // A key that is not ours, claiming our kid, another kid, or none.
    const foreign = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    for (const kid of ['v1', 'v2', 'foreign', undefined]) {
      bad[`foreign ${kid}`] = await new jose.SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', ...(kid ? { kid } : {}) }).sign(foreign);
    }
    for (const [name, t] of Object.entries(bad)) {
      expect([name, await codeOf(s.verify(t, info()))]).toEqual([name, 'invalid_credential']);
    }
    expect(await codeOf(s.verify(token, info()))).toBe('ok');
  });

  it('refuses expired, not-yet-valid and future-dated tokens, with a 5 s tolerance', async () => {
    const s = setup();
    const t = nowS(s);
    expect(await codeOf(s.verify(await signWith(s, { ...base(s), iat: t - 700, exp: t - 6 }), info()))).toBe('expired_credential');
    expect(await codeOf(s.verify(await signWith(s, { ...base(s), iat: t - 700, exp: t - 3 }), info()))).toBe('ok');
    expect(await codeOf(s.verify(await signWith(s, { ...base(s), nbf: t + 60 }), info()))).toBe('invalid_credential');
    expect(await codeOf(s.verify(await signWith(s, { ...base(s), iat: t + 60 }), info()))).toBe('invalid_credential');
    expect(await codeOf(s.verify(await signWith(s, { ...base(s), iat: t - 90_000, exp: t + 60 }), info()))).toBe('expired_credential');
    // And expiry as it happens: a real token, a day later.
    const token = await issue(s);
    s.time.advance(86_400_000 + 6000);
    expect(await codeOf(s.verify(token, info()))).toBe('expired_credential');
  });

  it('checks a token it verified before against the clock on every use (its signature is checked once)', async () => {
    const s = setup();
    const token = await issue(s);
    expect(await codeOf(s.verify(token, info()))).toBe('ok');
    s.time.advance(86_400_000 + 4000); // past exp, within the tolerance
    expect(await codeOf(s.verify(token, info()))).toBe('ok');
    s.time.advance(2000);
    expect(await codeOf(s.verify(token, info()))).toBe('expired_credential');
    // A clock that goes back before iat (beyond the tolerance) refuses it as a fresh check would.
    const other = await issue(s);
    expect(await codeOf(s.verify(other, info()))).toBe('ok');
    s.time.advance(-6000);
    expect(await codeOf(s.verify(other, info()))).toBe('invalid_credential');
    s.time.advance(6000);
    expect(await codeOf(s.verify(other, info()))).toBe('ok');
  });

  it('refuses other issuers, audiences, types and missing claims', async () => {
    const s = setup();
    const cases: Array<[jose.JWTPayload, Partial<jose.JWTHeaderParameters>]> = [
      [{ ...base(s), iss: 'https://elsewhere' }, {}],
      [{ ...base(s), aud: 'other-api' }, {}],
      [base(s), { typ: 'JWT' }],
      [{ ...base(s), jti: undefined }, {}],
      [{ ...base(s), key_type: 'root' }, {}],
      [{ ...base(s), sub: 'not-the-owner' }, {}],
    ];
    for (const [claims, header] of cases) expect(await codeOf(s.verify(await signWith(s, claims, header), info()))).toBe('invalid_credential');
  });

  it("stops a token as soon as its key's record says revoked or expired, and checks a web key's origin on every use", async () => {
    const s = setup();
    const token = await issue(s);
    expect(await codeOf(s.verify(token, info()))).toBe('ok'); // the record is now cached
    s.records.set(s.rec.keyId, { ...s.rec, revokedAt: s.time.now() });
    expect(await codeOf(s.verify(token, info()))).toBe('ok'); // cached record: within the bound
    s.time.advance(1001);
    expect(await codeOf(s.verify(token, info()))).toBe('revoked_credential');
    s.records.set(s.rec.keyId, { ...s.rec, expiresAt: s.time.now() - 1 });
    s.cache.delete(s.rec.keyId);
    expect(await codeOf(s.verify(token, info()))).toBe('expired_credential');

    const web = setup({ rec: { type: 'web', allowedOrigins: ['https://app.example'] } });
    const webToken = await issue(web, {}, info({ origin: 'https://app.example' }));
    expect(await codeOf(web.verify(webToken, info({ origin: 'https://app.example' })))).toBe('ok');
    expect(await codeOf(web.verify(webToken, info({ origin: 'https://evil.example' })))).toBe('origin_not_allowed');
    expect(await codeOf(web.verify(webToken, info()))).toBe('origin_not_allowed');
  });

  it("refuses the token of a disabled owner and applies the key's address restriction", async () => {
    const s = setup({ rec: { allowedIps: ['198.51.100.0/24'] } });
    const token = await issue(s);
    expect(await codeOf(s.verify(token, info({ ip: '198.51.100.7' })))).toBe('ok');
    expect(await codeOf(s.verify(token, info({ ip: '203.0.113.9' })))).toBe('ip_not_allowed');
    s.dir.records.get('owner-1')!.disabled = true;
    expect(await codeOf(s.verify(token, info({ ip: '198.51.100.7' })))).toBe('revoked_credential');
  });

  it('rotates: new tokens carry the new kid, old ones verify until their version is disabled', async () => {
    const s = setup();
    const old = await issue(s);
    const v2 = { version: '2', material: ecJwk() };
    s.secret.setEnabled([s.v1, v2]);
    const fresh = await issue(s);
    expect(jose.decodeProtectedHeader(fresh).kid).toBe('v2');
    expect(((await s.issuer.jwks()) as { keys: jose.JWK[] }).keys.map((k) => k.kid)).toEqual(['v2', 'v1']);
    expect(await codeOf(s.verify(old, info()))).toBe('ok');
    s.secret.setEnabled([v2]);
    expect(await codeOf(s.verify(old, info()))).toBe('invalid_credential');
    expect(await codeOf(s.verify(fresh, info()))).toBe('ok');
    expect(((await s.issuer.jwks()) as { keys: jose.JWK[] }).keys.map((k) => k.kid)).toEqual(['v2']);
  });

  it("accepts a newer version another instance already signs with, reloading the list at most every 10 s", async () => {
    const s = setup();
    const v2 = { version: '2', material: ecJwk() };
    s.secret.setRemote([s.v1, v2]); // Secret Manager has v2; this instance's cached list does not yet
    const other = memorySecret([s.v1, v2]);
    const otherIssuer = tokenIssuer({
      config: { tokens: { issuer: ISSUER, audience: AUDIENCE, ttlSeconds: TTL }, keys: KEYS },
      keyring: tokenKeyring(other),
      verifyApiKey: async () => ({ uid: 'owner-1', claims: {}, method: 'api_key', keyId: s.rec.keyId, keyType: 'server', secretGeneration: secretGeneration(s.rec.secrets[0]!.salt) }),
      verifySigned: async () => {
        throw new Error('unused');
      },
      limiter: { take: async () => decide(1, 10, s.time.now(), 60_000) },
      audit: memoryAuditSink(),
      now: s.time.now,
    });
    const token = (await otherIssuer.issue({ api_key: s.apiKey }, info())).body.token;
    expect(jose.decodeProtectedHeader(token).kid).toBe('v2');
    expect(await codeOf(s.verify(token, info()))).toBe('ok');
    expect(s.secret.reloads).toBe(1);
    // A made-up newer kid reloads at most once per interval per instance.
    const fake = await signWith(s, base(s), { kid: 'v99' });
    for (let i = 0; i < 5; i++) expect(await codeOf(s.verify(fake, info()))).toBe('invalid_credential');
    expect(s.secret.reloads).toBe(1);
  });

  it('gives every token its own jti', async () => {
    const s = setup();
    const a = jose.decodeJwt(await issue(s));
    const b = jose.decodeJwt(await issue(s));
    expect(a.jti).not.toBe(b.jti);
  });
});

describe('access tokens and the key secret that minted them', () => {
  const regenerated = (s: Setup, graceMs: number | null) => {
    const old = s.rec.secrets[0]!;
    const fresh = { digest: 'new', version: '1', salt: 'salt000000000002', notAfter: null };
    return { ...s.rec, secrets: graceMs === null ? [fresh] : [fresh, { ...old, notAfter: s.time.now() + graceMs }], regeneratedAt: s.time.now() };
  };

  it('stops a token as soon as its secret is regenerated away (grace 0)', async () => {
    const s = setup();
    const token = await issue(s);
    expect(await codeOf(s.verify(token, info()))).toBe('ok');
    s.records.set(s.rec.keyId, regenerated(s, null));
    s.cache.set(s.rec.keyId, s.records.get(s.rec.keyId)!); // what this instance's regenerate does
    expect(await codeOf(s.verify(token, info()))).toBe('revoked_credential');
  });

  it('keeps a token working through its secret’s grace period, and not a moment after', async () => {
    const s = setup();
    const token = await issue(s);
    s.cache.set(s.rec.keyId, regenerated(s, 60_000));
    expect(await codeOf(s.verify(token, info()))).toBe('ok');
    s.time.advance(60_000);
    s.cache.set(s.rec.keyId, regenerated(s, 0)); // the same record, its grace now over
    expect(await codeOf(s.verify(token, info()))).toBe('revoked_credential');
  });

  it('refuses a token whose lifetime is longer than its key type allows', async () => {
    const s = setup({ rec: { type: 'web', allowedOrigins: ['https://app.example'] } });
    const long = await signWith(s, { ...base(s), exp: nowS(s) + 3601 });
    expect(await codeOf(s.verify(long, info({ origin: 'https://app.example' })))).toBe('invalid_credential');
    const fits = await signWith(s, { ...base(s), exp: nowS(s) + 3600 });
    expect(await codeOf(s.verify(fits, info({ origin: 'https://app.example' })))).toBe('ok');
  });

  it('records the token id (jti) in its token.issue entry', async () => {
    const s = setup();
    const token = await issue(s);
    const { jti } = jose.decodeJwt(token);
    expect(s.audit.events).toContainEqual(expect.objectContaining({ event: 'token.issue', outcome: 'success', target: expect.objectContaining({ tokenId: jti }) }));
  });

  it('reads the key record afresh to issue, rather than trusting a cache', async () => {
    const s = setup();
    await issue(s);
    expect(s.apiKeyCalls).toHaveLength(1);
    expect(s.freshFlags).toEqual([true]);
  });
});
