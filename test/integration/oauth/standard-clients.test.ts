// The OAuth 2.0 / OpenID endpoints as off-the-shelf libraries that Keyward does not otherwise use
// see them: oauth4webapi (discovery, client credentials, introspection) and jsonwebtoken +
// jwks-rsa (verifying the tokens with keys discovered from the issuer).
import * as oauth from 'oauth4webapi';
import jwt from 'jsonwebtoken';
import { JwksClient } from 'jwks-rsa';
import { api, createUser, signIn } from '../../harness/auth';
import { adminAuth } from '../../harness/admin';
import { bearer, createKey, jsonHeaders, type CreatedKey } from '../../harness/keys';
import {base, issuer} from '../tokens/support';
import { eventually } from '../../harness/eventually';

const insecure = { [oauth.allowInsecureRequests]: true };

/** A key's OAuth client credentials: `<type>_<client id>_<client secret>`. */
const clientOf = (key: CreatedKey) => ({ client: { client_id: key.id }, secret: key.key.split('_')[2]! });

async function discover(): Promise<oauth.AuthorizationServer> {
  const issuerUrl = new URL(issuer());
  return oauth.processDiscoveryResponse(issuerUrl, await oauth.discoveryRequest(issuerUrl, insecure));
}

async function grant(as: oauth.AuthorizationServer, key: CreatedKey, auth: 'basic' | 'post', scope?: string) {
  const { client, secret } = clientOf(key);
  const method = auth === 'basic' ? oauth.ClientSecretBasic(secret) : oauth.ClientSecretPost(secret);
  const res = await oauth.clientCredentialsGrantRequest(as, client, method, scope ? { scope } : {}, insecure);
  return oauth.processClientCredentialsResponse(as, client, res);
}

async function introspect(as: oauth.AuthorizationServer, caller: CreatedKey, token: string) {
  const { client, secret } = clientOf(caller);
  const res = await oauth.introspectionRequest(as, client, oauth.ClientSecretBasic(secret), token, insecure);
  return oauth.processIntrospectionResponse(as, client, res);
}

const form = (params: Record<string, string>, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(params).toString(),
});

let as: oauth.AuthorizationServer;
let owner: Awaited<ReturnType<typeof createUser>>;
let key: CreatedKey;
let server: CreatedKey;

beforeAll(async () => {
  as = await discover();
  const user = await createUser();
  await adminAuth().setCustomUserClaims(user.uid, { permissions: ['reports:read', 'notes:write'] });
  owner = await signIn(user.email, user.password);
  key = await createKey(owner, { name: 'oauth client', scopes: ['reports:read', 'notes:write'] });
  server = await createKey(await createUser(), { name: 'resource server' });
});

describe('GET /.well-known/openid-configuration', () => {
  it('is the issuer’s metadata, with absolute endpoints that answer, as oauth4webapi validates it', async () => {
    expect(as).toMatchObject({
      issuer: issuer(),
      jwks_uri: `${base()}/.well-known/jwks.json`,
      token_endpoint: `${base()}/oauth/token`,
      introspection_endpoint: `${base()}/oauth/introspect`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      id_token_signing_alg_values_supported: ['ES256'],
    });
    const rfc8414 = await api('/.well-known/oauth-authorization-server');
    expect(rfc8414.json).toEqual(as);
    expect(rfc8414.headers.get('x-powered-by')).toBeNull();
  });
});

describe('POST /oauth/token (client credentials)', () => {
  it('issues with client_secret_basic and client_secret_post the token /v1/auth/issue issues, verifiable with jsonwebtoken + jwks-rsa', async () => {
    const jwks = new JwksClient({ jwksUri: as.jwks_uri! });
    for (const auth of ['basic', 'post'] as const) {
      const res = await grant(as, key, auth);
      expect(res).toMatchObject({ token_type: 'bearer', expires_in: 86400, scope: 'reports:read notes:write' });
      const header = jwt.decode(res.access_token, { complete: true })!.header;
      const signingKey = await jwks.getSigningKey(header.kid);
      const claims = jwt.verify(res.access_token, signingKey.getPublicKey(), { algorithms: ['ES256'], issuer: as.issuer, audience: (jwt.decode(res.access_token) as any).aud }) as jwt.JwtPayload;
      expect(claims).toMatchObject({ sub: owner.uid, key_id: key.id, key_type: 'server', iss: issuer() });
      const me = await api('/v1/me', { headers: bearer(res.access_token) });
      expect(me.json).toMatchObject({ uid: owner.uid, auth: { method: 'access_token', keyId: key.id } });
    }
  });

  it('narrows to a subset of the key’s scopes with `scope`, and refuses any other scope with invalid_scope', async () => {
    const narrowed = await grant(as, key, 'basic', 'reports:read');
    expect(narrowed.scope).toBe('reports:read');
    expect((jwt.decode(narrowed.access_token) as any).scope).toBe('reports:read');
    const error = await grant(as, key, 'basic', 'reports:read billing:write').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(oauth.ResponseBodyError);
    expect(error).toMatchObject({ error: 'invalid_scope', status: 400 });
  });

  it('answers RFC 6749 errors: invalid_client with 401 and a Basic challenge, unsupported_grant_type, invalid_request; never cached', async () => {
    const { client } = clientOf(key);
    const wrong = `${'A'.repeat(32)}${clientOf(key).secret.slice(32)}`;
    const res = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(wrong), {}, insecure);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ error: 'invalid_client', error_description: expect.any(String) });

    const basic = `Basic ${Buffer.from(`${key.id}:${clientOf(key).secret}`).toString('base64')}`;
    const cases: Array<[Record<string, string>, Record<string, string>, number, string]> = [
      [{ grant_type: 'password', username: 'a', password: 'b' }, { authorization: basic }, 400, 'unsupported_grant_type'],
      [{}, { authorization: basic }, 400, 'invalid_request'],
      [{ grant_type: 'client_credentials' }, {}, 401, 'invalid_client'],
      [{ grant_type: 'client_credentials', client_id: key.id, client_secret: clientOf(key).secret }, { authorization: basic }, 400, 'invalid_request'],
    ];
    for (const [params, headers, status, error] of cases) {
      const r = await api('/oauth/token', form(params, headers));
      expect({ status: r.status, error: r.json?.error, cache: r.headers.get('cache-control') }).toEqual({ status, error, cache: 'no-store' });
      expect(r.text).not.toContain(clientOf(key).secret);
    }
    const json = await api('/oauth/token', { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic }, body: '{"grant_type":"client_credentials"}' });
    expect(json.json).toMatchObject({ error: 'invalid_request' });
    expect((await api('/oauth/token')).status).toBe(405);
  });

  it('is audited as token.issue, like /v1/auth/issue', async () => {
    const fresh = await createKey(owner, { name: 'audited oauth client', scopes: ['reports:read'] });
    await grant(as, fresh, 'post');
    const found = await eventually(async () => {
      const trail = await api(`/v1/audit?event=token.issue&keyId=${fresh.id}`, { headers: bearer(owner.idToken) });
      return trail.json?.entries?.some((e: any) => e.outcome === 'success' && e.request.path === '/oauth/token' && e.actor.keyId === fresh.id);
    }, Boolean, { timeoutMs: 10_000 });
    expect(found).toBe(true);
  });
});

describe('POST /oauth/introspect', () => {
  it('tells a resource server, authenticated with a server key, what an active token may do', async () => {
    const { access_token } = await grant(as, key, 'basic', 'reports:read');
    const info = await introspect(as, server, access_token);
    const claims = jwt.decode(access_token) as jwt.JwtPayload;
    expect(info).toEqual({
      active: true,
      scope: 'reports:read',
      client_id: key.id,
      token_type: 'Bearer',
      sub: owner.uid,
      iss: issuer(),
      aud: claims.aud,
      exp: claims.exp,
      iat: claims.iat,
      nbf: claims.nbf,
      jti: claims.jti,
      key_type: 'server',
    });
    // Any key credential form authenticates the resource server too.
    const viaHeader = await api('/oauth/introspect', form({ token: access_token }, { 'x-api-key': server.key }));
    expect(viaHeader.json).toMatchObject({ active: true, client_id: key.id });
    expect(viaHeader.headers.get('cache-control')).toBe('no-store');
  });

  it('answers active: false for garbage, and once the token’s key is regenerated or revoked', async () => {
    expect(await introspect(as, server, 'not.a.token')).toEqual({ active: false });
    const doomed = await createKey(owner, { name: 'doomed' });
    const before = (await grant(as, doomed, 'basic')).access_token;
    expect((await introspect(as, server, before)).active).toBe(true);

    const regen = await api(`/v1/keys/${doomed.id}/regenerate`, { method: 'POST', headers: jsonHeaders(owner.idToken), body: '{}' });
    expect(regen.status).toBe(200);
    expect(await eventually(async () => !(await introspect(as, server, before)).active, Boolean, { timeoutMs: 10_000 })).toBe(true);
    // The new secret's tokens are active (iat has whole seconds: one from the regeneration's second counts as the old secret's).
    const renewed = { ...doomed, key: regen.json.key as string };
    let after = '';
    expect(await eventually(async () => (await introspect(as, server, (after = (await grant(as, renewed, 'basic')).access_token))).active, Boolean, { timeoutMs: 5_000, everyMs: 500 })).toBe(true);

    expect((await api(`/v1/keys/${doomed.id}`, { method: 'DELETE', headers: bearer(owner.idToken) })).status).toBeLessThan(300);
    expect(await eventually(async () => (await introspect(as, server, after)).active === false, Boolean, { timeoutMs: 10_000 })).toBe(true);
  });

  it('refuses callers that are not a server key with invalid_client (401)', async () => {
    const { access_token } = await grant(as, key, 'basic');
    const web = await createKey(owner, { name: 'web', type: 'web', allowedOrigins: ['https://app.example'] });
    const callers: Array<Record<string, string>> = [{}, bearer(access_token), bearer(owner.idToken), { 'x-api-key': web.key, origin: 'https://app.example' }];
    for (const headers of callers) {
      const r = await api('/oauth/introspect', form({ token: access_token }, headers));
      expect({ status: r.status, error: r.json?.error }).toEqual({ status: 401, error: 'invalid_client' });
    }
  });
});
