// Tokens Keyward must refuse, made the ways an attacker (or a clock) would make them.
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import { api } from '../../harness/auth';
import { userWithKey } from '../../harness/keys';
import { audience, issueToken, issuer, secretManager, signingVersions } from './support';

const me = (token: string) => api('/v1/me', { headers: { authorization: `Bearer ${token}` } });
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

async function expectRefused(token: string, code = 'invalid_credential') {
  const res = await me(token);
  expect([res.status, res.json?.error?.code]).toEqual([401, code]);
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
}

describe('access tokens: refusals', () => {
  let token: string;
  let claims: JWTPayload;
  let kid: string;
  let keyId: string;

  beforeAll(async () => {
    const { key } = await userWithKey({ name: 'victim' });
    keyId = key.id;
    token = await issueToken(key.key);
    claims = decodeJwt(token);
    kid = decodeProtectedHeader(token).kid!;
    expect((await me(token)).status).toBe(200);
  });

  it('refuses a token whose claims were changed after signing', async () => {
    const [h, , s] = token.split('.');
    await expectRefused(`${h}.${b64({ ...claims, sub: 'someone-else' })}.${s}`);
    await expectRefused(`${h}.${b64({ ...claims, exp: (claims.exp as number) + 86_400 })}.${s}`);
    await expectRefused(`${token.slice(0, -4)}AAAA`);
  });

  it('refuses alg none', async () => {
    await expectRefused(`${b64({ alg: 'none', typ: 'at+jwt', kid })}.${b64(claims)}.`);
    await expectRefused(`${b64({ alg: 'none', typ: 'at+jwt', kid })}.${b64(claims)}.${token.split('.')[2]}`);
  });

  it('refuses HS256 signed with the published public key (algorithm confusion)', async () => {
    const jwks = (await api('/.well-known/jwks.json')).json.keys as Array<Record<string, string>>;
    const publicJwk = jwks.find((k) => k.kid === kid)!;
    const header = b64({ alg: 'HS256', typ: 'at+jwt', kid });
    const body = b64(claims);
    const pem = (await import('node:crypto')).createPublicKey({ key: publicJwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    for (const secret of [JSON.stringify(publicJwk), String(pem), publicJwk.x!]) {
      await expectRefused(`${header}.${body}.${createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url')}`);
    }
  });

  it('refuses tokens signed by a key that is not ours, whatever kid they claim', async () => {
    const foreign = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    for (const claimedKid of [kid, 'v999', 'foreign-key', undefined]) {
      const forged = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', ...(claimedKid ? { kid: claimedKid } : {}) })
        .sign(foreign);
      await expectRefused(forged);
    }
  });

  describe('signed with the real key from Secret Manager', () => {
    let sign: (payload: JWTPayload, header?: Record<string, string>) => Promise<string>;

    beforeAll(async () => {
      const client = await secretManager();
      try {
        // The oldest enabled version: seeded with the stack, never disabled, known to every instance.
        const version = (await signingVersions(client)).at(-1)!;
        const key = await importJWK(version.jwk as unknown as JWK, 'ES256');
        const realKid = `v${version.version}`;
        sign = (payload, header = {}) => new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: realKid, ...header }).sign(key);
      } finally {
        await client.close();
      }
    });

    const nowS = () => Math.floor(Date.now() / 1000);
    const valid = () => ({ ...claims, iat: nowS() - 10, nbf: nowS() - 10, exp: nowS() + 600 });

    it('accepts a well-formed one (the control)', async () => {
      expect((await me(await sign(valid()))).status).toBe(200);
    });

    it('refuses an expired one as expired_credential', async () => {
      await expectRefused(await sign({ ...valid(), iat: nowS() - 7200, nbf: nowS() - 7200, exp: nowS() - 60 }), 'expired_credential');
    });

    it('refuses one that is not yet valid, or dated in the future', async () => {
      await expectRefused(await sign({ ...valid(), nbf: nowS() + 120 }));
      await expectRefused(await sign({ ...valid(), iat: nowS() + 120 }));
    });

    it('refuses another issuer, another audience, another type, or a key that does not match', async () => {
      await expectRefused(await sign({ ...valid(), iss: 'https://securetoken.google.com/demo-keyward' }));
      await expectRefused(await sign({ ...valid(), iss: `${issuer()}/` }));
      await expectRefused(await sign({ ...valid(), aud: `${audience()}-other` }));
      await expectRefused(await sign(valid(), { typ: 'JWT' }));
      await expectRefused(await sign({ ...valid(), key_type: 'web' }));
      await expectRefused(await sign({ ...valid(), key_id: 'AAAAAAAAAAAAAAAA' }));
    });

    it('never accepts a token in place of a key', async () => {
      const res = await api('/v1/me', { headers: { 'x-api-key': await sign(valid()) } });
      expect(res.status).toBe(401);
      expect(keyId).toMatch(/^[A-Za-z0-9]{16}$/);
    });
  });
});
