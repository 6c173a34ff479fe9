// Properties of access-token verification (functions/src/credentials/access-token.ts) and the
// claim readers it relies on (functions/src/tokens/claims.ts), with the real jose library and a
// real keyring over two in-memory ES256 signing key versions.
import fc from 'fast-check';
import { statusOf } from '../../../functions/src/http/errors';
import { createHmac } from 'node:crypto';
import * as jose from 'jose';
import { accessTokenVerifier } from '../../../functions/src/credentials/access-token';
import { secretGeneration } from '../../../functions/src/keys/digest';
import { KEY_TYPES } from '../../../functions/src/identity';
import { kidOf, parseScope, privateClaims, readSubject, versionOfKid, type TokenSubject } from '../../../functions/src/tokens/claims';
import { tokenKeyring } from '../../../functions/src/tokens/keyring';
import { clock, ecJwk, info, keyCache, memorySecret, noUseRecorder, record, users } from '../../harness/memory';
import { BASE62, BASE64URL, hostileString, resultOrApiErrorAsync } from './arbitraries';

const ISSUER = 'https://keyward.test';
const AUDIENCE = 'test-api';

const time = clock();
const v1 = { version: '1', material: ecJwk() };
const v2 = { version: '2', material: ecJwk() };
const secret = memorySecret([v1, v2]);
const keyring = tokenKeyring(secret, time.now);
const rec = record({ scopes: ['reports', 'billing'] });
const cache = keyCache(new Map([[rec.keyId, rec]]), time.now);
const dir = users([{ uid: rec.ownerUid, claims: { permissions: ['reports', 'billing'] }, disabled: false, validSince: 0 }]);
const verifier = accessTokenVerifier({ keyring, cache, users: dir, useRecorder: noUseRecorder, issuer: ISSUER, audience: AUDIENCE, maxTtlSeconds: 86_400, ttlSeconds: { server: 86_400, web: 3600, mobile: 86_400 }, now: time.now });
const verify = (token: string) => resultOrApiErrorAsync(() => verifier(token, info()));
const nowS = Math.floor(time.now() / 1000);

type Key = Awaited<ReturnType<typeof jose.importJWK>>;
const keys: { v1: Key; v2: Key; foreign: Key; v1Public: jose.JWK } = {} as never;

beforeAll(async () => {
  const jwk1 = JSON.parse(v1.material.toString()) as jose.JWK;
  keys.v1 = await jose.importJWK(jwk1, 'ES256');
  keys.v2 = await jose.importJWK(JSON.parse(v2.material.toString()) as jose.JWK, 'ES256');
  keys.foreign = (await jose.generateKeyPair('ES256')).privateKey;
  keys.v1Public = { kty: 'EC', crv: 'P-256', x: jwk1.x, y: jwk1.y };
});

const validClaims = (jti = 'j') => ({ iss: ISSUER, aud: AUDIENCE, sub: rec.ownerUid, iat: nowS, exp: nowS + 600, jti, key_id: rec.keyId, key_type: rec.type, key_gen: secretGeneration(rec.secrets[0]!.salt) });

function sign(claims: Record<string, unknown>, header: Record<string, unknown> = {}, key: Key = keys.v1): Promise<string> {
  return new jose.SignJWT(claims as jose.JWTPayload).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'v1', ...header } as jose.JWTHeaderParameters).sign(key);
}

const b64json = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'null').toString('base64url');
const segment = (max: number) => fc.string({ unit: fc.constantFrom(...BASE64URL), maxLength: max });

describe('access token verification (property)', () => {
  it('accepts a token it should (sanity check of the setup)', async () => {
    const r = await verify(await sign(validClaims()));
    expect(r.ok && r.value).toMatchObject({ uid: rec.ownerUid, method: 'access_token', keyId: rec.keyId, scopes: ['reports', 'billing'] });
  });

  it('refuses arbitrary strings and JWT-shaped garbage with invalid_credential, never anything else', async () => {
    const header = fc.record(
      { alg: fc.constantFrom('ES256', 'none', 'HS256', 'RS256'), typ: fc.constantFrom('at+jwt', 'JWT'), kid: fc.constantFrom('v1', 'v2', 'v9', 'x') },
      { requiredKeys: [] },
    );
    const shaped = fc
      .tuple(fc.oneof(header.map(b64json), fc.jsonValue().map(b64json), segment(40)), fc.oneof(fc.constant(validClaims()).map(b64json), fc.jsonValue().map(b64json), segment(40)), segment(90))
      .map((p) => p.join('.'));
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostileString(200), shaped), async (token) => {
        const r = await verify(token);
        expect(r.ok ? 'accepted' : r.error.code).toBe('invalid_credential');
      }),
      { numRuns: 500 },
    );
  });

  it('refuses any single-character change to a valid token (except a re-spelling of the same signature bytes)', async () => {
    // The signature covers the header and payload as text, so any change there fails. The last
    // base64url character of the signature has unused low bits, and the decoder ignores them: a
    // change of only those bits leaves the very same signature, which still verifies (not a forgery).
    await fc.assert(
      // Often the last character (-1), where the unused bits are.
      fc.asyncProperty(base62Text(8), fc.oneof({ weight: 4, arbitrary: fc.nat() }, fc.constant(-1)), fc.constantFrom(...BASE64URL, '.', '=', '+', '/', ' ', '%', '\u00e9'), async (jti, at, ch) => {
        const token = await sign(validClaims(jti));
        const i = at < 0 ? token.length - 1 : at % token.length;
        fc.pre(token[i] !== ch);
        const mutated = token.slice(0, i) + ch + token.slice(i + 1);
        const [h, p, s] = token.split('.');
        const parts = mutated.split('.');
        const sameBytes =
          parts.length === 3 && parts[0] === h && parts[1] === p && Buffer.from(parts[2]!, 'base64url').equals(Buffer.from(s!, 'base64url'));
        const r = await verify(mutated);
        if (sameBytes) expect(r.ok && r.value.uid).toBe(rec.ownerUid);
        else expect(r.ok ? 'accepted' : r.error.code).toBe('invalid_credential');
      }),
      { numRuns: 400 },
    );
  });

  it('refuses every algorithm but ES256: none, HMAC with the public key as the secret, and others', async () => {
    const alg = fc.constantFrom('none', 'None', 'NONE', 'nOnE', 'HS256', 'HS384', 'HS512', 'RS256', 'PS256', 'ES384', 'ES512', 'EdDSA', 'ES256K', 'es256', '', 'ES256 ');
    const hmacSecrets = () => [JSON.stringify(keys.v1Public), keys.v1Public.x!, Buffer.from(v1.material).toString()];
    await fc.assert(
      fc.asyncProperty(alg, fc.integer({ min: 0, max: 4 }), fc.constantFrom('v1', 'v2', undefined), async (alg, how, kid) => {
        const signingInput = `${b64json({ alg, typ: 'at+jwt', ...(kid ? { kid } : {}) })}.${b64json(validClaims())}`;
        const signature =
          how === 0 ? '' : how === 4 ? (await sign(validClaims())).split('.')[2]! : createHmac('sha256', hmacSecrets()[how - 1]!).update(signingInput).digest('base64url');
        const r = await verify(`${signingInput}.${signature}`);
        expect(r.ok ? 'accepted' : r.error.code).toBe('invalid_credential');
      }),
      { numRuns: 300 },
    );
  });

  it('accepts a token only under the kid of the version whose key signed it', async () => {
    const kid = fc.oneof(
      fc.constantFrom('v1', 'v2', 'v3', 'v99', 'v01', 'V1', '1', 'v1 ', ' v1', 'v0', 'v-1', 'v1\u0000', 'v١', 'v12345678901'),
      hostileString(12),
      fc.jsonValue().filter((v) => typeof v !== 'string'),
    );
    await fc.assert(
      fc.asyncProperty(kid, fc.constantFrom('v1', 'v2', 'foreign') as fc.Arbitrary<keyof typeof keys>, async (kid, signer) => {
        const r = await verify(await sign(validClaims(), { kid }, keys[signer] as Key));
        if (kid === signer) expect(r.ok).toBe(true);
        else expect(r.ok ? 'accepted' : r.error.code).toBe('invalid_credential');
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a key that is not ours however the header names it (embedded jwk, jku, x5u, no kid)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('v1', 'v2', undefined), fc.constantFrom('jwk', 'jku', 'x5u', 'none'), async (kid, extra) => {
        const pair = await jose.generateKeyPair('ES256');
        const embedded = extra === 'jwk' ? { jwk: await jose.exportJWK(pair.publicKey) } : extra === 'none' ? {} : { [extra]: 'https://evil.example/keys' };
        const r = await verify(await sign(validClaims(), { kid, ...embedded }, pair.privateKey));
        expect(r.ok ? 'accepted' : r.error.code).toBe('invalid_credential');
      }),
      { numRuns: 40 },
    );
  });

  it('on correctly signed tokens with arbitrary claims, accepts only the contract claims and refuses the rest with a contract error', async () => {
    // Each claim: the valid value, absent, or something hostile.
    const claim = <T>(valid: T, hostile: fc.Arbitrary<unknown>) =>
      fc.oneof({ weight: 10, arbitrary: fc.constant(valid as unknown) }, fc.constant(undefined), hostile);
    const hostile = fc.oneof(fc.jsonValue(), hostileString(20));
    const claims = fc.record({
      iss: claim(ISSUER, fc.oneof(hostile, fc.constantFrom(ISSUER + '/', ISSUER.toUpperCase()))),
      aud: claim(AUDIENCE, fc.oneof(hostile, fc.constantFrom([AUDIENCE, 'other'], ['other'], []))),
      sub: claim(rec.ownerUid, fc.oneof(hostile, fc.constantFrom('owner-2', '', rec.ownerUid.toUpperCase()))),
      iat: claim(nowS, fc.oneof(hostile, fc.integer({ min: nowS - 200_000, max: nowS + 200 }))),
      exp: claim(nowS + 600, fc.oneof(hostile, fc.integer({ min: nowS - 200, max: nowS + 200_000 }))),
      nbf: claim(undefined, fc.oneof(hostile, fc.integer({ min: nowS - 200, max: nowS + 200 }))),
      jti: claim('j', hostile),
      key_id: claim(rec.keyId, fc.oneof(hostile, fc.constantFrom('Key0000000000002', rec.keyId.toLowerCase()))),
      key_type: claim(rec.type, fc.oneof(hostile, fc.constantFrom(...KEY_TYPES))),
      scope: claim(undefined, fc.oneof(hostile, fc.constantFrom('reports', 'reports billing', '', 'admin', 'reports  billing'))),
    });
    const typ = fc.oneof({ weight: 4, arbitrary: fc.constant('at+jwt') }, fc.constantFrom('application/at+jwt', 'AT+JWT', 'JWT', 'jwt', 'at+jwt ', ''));
    await fc.assert(
      fc.asyncProperty(claims, typ, async (c, typ) => {
        const payload = Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined));
        const r = await verify(await sign(payload, { typ }));
        if (!r.ok) {
          expect(['invalid_credential', 'expired_credential']).toContain(r.error.code);
          expect(statusOf(r.error)).toBe(401);
          return;
        }
        expect(typ.toLowerCase().replace(/^application\//, '')).toBe('at+jwt');
        expect(c.iss).toBe(ISSUER);
        expect(c.aud === AUDIENCE || (Array.isArray(c.aud) && c.aud.includes(AUDIENCE))).toBe(true);
        expect(c.sub).toBe(rec.ownerUid);
        expect(c.key_id).toBe(rec.keyId);
        expect(c.key_type).toBe(rec.type);
        expect(typeof c.exp === 'number' && c.exp > nowS - 5).toBe(true);
        expect(typeof c.iat === 'number' && c.iat >= nowS - 86_400 - 5).toBe(true);
        expect(c.jti).toBeDefined();
        expect(c.scope === undefined || (typeof c.scope === 'string' && parseScope(c.scope) !== undefined)).toBe(true);
        // Never more than both the key and the token allow.
        for (const s of r.value.scopes ?? []) expect(rec.scopes).toContain(s);
        if (typeof c.scope === 'string') for (const s of r.value.scopes ?? []) expect(c.scope.split(' ')).toContain(s);
      }),
      { numRuns: 400 },
    );
  });
});

function base62Text(length: number) {
  return fc.string({ unit: fc.constantFrom(...BASE62), minLength: length, maxLength: length });
}

describe('token claim readers (property)', () => {
  const SCOPE = /^[A-Za-z0-9_.:-]{1,64}$/;
  const scopeName = fc.string({ unit: fc.constantFrom(...BASE62, '_', '.', ':', '-'), minLength: 1, maxLength: 64 });

  it('versionOfKid reads only kids kidOf writes, and reads them back', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), hostileString(14), fc.nat().map((n) => `v${n}`), fc.stringMatching(/^v[0-9]{1,12}$/)), (kid) => {
        const version = versionOfKid(kid);
        if (version === undefined) return;
        expect(version).toMatch(/^[1-9][0-9]{0,9}$/);
        expect(kidOf(version)).toBe(kid);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[1-9][0-9]{0,9}$/), (version) => {
        expect(versionOfKid(kidOf(version))).toBe(version);
      }),
      { numRuns: 300 },
    );
  });

  it('parseScope yields distinct well-formed scopes or undefined, and reads back any list it could be given', () => {
    fc.assert(
      fc.property(fc.oneof(hostileString(80), fc.array(fc.oneof(scopeName, hostileString(5)), { maxLength: 60 }).map((a) => a.join(' '))), (text) => {
        const scopes = parseScope(text);
        if (scopes === undefined) return;
        expect(new Set(scopes).size).toBe(scopes.length);
        expect(scopes.length).toBeLessThanOrEqual(50);
        for (const s of scopes) expect(s).toMatch(SCOPE);
        expect(scopes.join(' ') === text || text.split(' ').length > scopes.length).toBe(true);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.array(scopeName, { maxLength: 50 }), (list) => {
        expect(parseScope(list.join(' '))).toEqual([...new Set(list)]);
      }),
      { numRuns: 300 },
    );
  });

  it('readSubject never throws, yields only well-formed subjects, and reads back what privateClaims writes', () => {
    const payload = fc.record(
      {
        sub: fc.oneof(fc.string({ maxLength: 130 }), fc.jsonValue()),
        key_id: fc.oneof(base62Text(16), hostileString(16), fc.jsonValue()),
        key_type: fc.oneof(fc.constantFrom(...KEY_TYPES, 'admin', 'Server'), fc.jsonValue()),
        key_gen: fc.oneof(base62Text(16), hostileString(16), fc.jsonValue()),
        scope: fc.oneof(fc.array(scopeName, { maxLength: 5 }).map((a) => a.join(' ')), hostileString(20), fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(payload, (p) => {
        const s = readSubject(p as Record<string, unknown>);
        if (s === undefined) return;
        expect(s.uid.length).toBeGreaterThan(0);
        expect(s.uid.length).toBeLessThanOrEqual(128);
        expect(s.keyId).toMatch(/^[A-Za-z0-9]{16}$/);
        expect(KEY_TYPES).toContain(s.keyType);
        if (s.scopes !== null) for (const x of s.scopes) expect(x).toMatch(SCOPE);
      }),
      { numRuns: 500 },
    );
    const subject: fc.Arbitrary<TokenSubject> = fc.record({
      uid: fc.string({ minLength: 1, maxLength: 128 }),
      keyId: base62Text(16),
      keyType: fc.constantFrom(...KEY_TYPES),
      scopes: fc.option(fc.uniqueArray(scopeName, { maxLength: 50 }), { nil: null }),
      generation: fc.constant(secretGeneration('salt')),
    });
    fc.assert(
      fc.property(subject, (s) => {
        expect(readSubject({ sub: s.uid, ...privateClaims(s) })).toEqual(s);
      }),
      { numRuns: 300 },
    );
  });
});
