// Signed requests (Keyward-HMAC-SHA256) and signed token requests, through Hosting, made with the
// client in client/src (which uses the server's own signing modules).
import { adminAuth, adminDb } from '../../harness/admin';
import { createUser } from '../../harness/auth';
import { createKey, userWithKey, type CreatedKey } from '../../harness/keys';
import { AccessTokens, signedFetch, signRequest, signTokenRequest, type SigningKey } from '../../../client/src';
import { base, fetchJson, issue } from './support';

const signer = (key: CreatedKey): SigningKey => ({ keyId: key.id, signingSecret: key.signingSecret });
const url = (path: string) => `${base()}${path}`;

async function send(path: string, init: RequestInit & { headers?: Record<string, string> } = {}) {
  return fetchJson(url(path), init);
}

describe('signed requests', () => {
  let key: CreatedKey;
  let uid: string;

  beforeAll(async () => {
    const made = await userWithKey({ name: 'signer' });
    key = made.key;
    uid = made.user.uid;
  });

  it('authenticates a request the client signed, as method signature; the secret never travels', async () => {
    const res = await signedFetch(signer(key), url('/v1/me?b=2&a=1'));
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(body).toMatchObject({ uid, auth: { method: 'signature', keyId: key.id, keyType: 'server' } });
  });

  it('spends each nonce once, in Firestore, with an expireAt for the TTL policy', async () => {
    const headers = signRequest(signer(key), { method: 'GET', url: url('/v1/me') });
    expect((await send('/v1/me', { headers })).status).toBe(200);
    const replay = await send('/v1/me', { headers });
    expect([replay.status, replay.json.error.code]).toEqual([401, 'replayed_request']);
    expect(replay.headers.get('www-authenticate')).toBe('Keyward-HMAC-SHA256');
    const nonce = /Nonce=([^,]+)/.exec(headers.authorization!)![1];
    const doc = await adminDb().collection('nonces').doc(`${key.id}:${nonce}`).get();
    expect(doc.exists).toBe(true);
    const expireAt = doc.get('expireAt').toMillis();
    expect(expireAt).toBeGreaterThan(Date.now() + 290_000);
    expect(expireAt).toBeLessThan(Date.now() + 310_000);
  });

  it('refuses a timestamp more than 300 s off, either way', async () => {
    for (const skew of [-400_000, 400_000]) {
      const headers = signRequest(signer(key), { method: 'GET', url: url('/v1/me') }, { now: Date.now() + skew });
      const res = await send('/v1/me', { headers });
      expect([res.status, res.json.error.code]).toEqual([401, 'stale_request']);
    }
    const slightlyOff = signRequest(signer(key), { method: 'GET', url: url('/v1/me') }, { now: Date.now() - 200_000 });
    expect((await send('/v1/me', { headers: slightlyOff })).status).toBe(200);
  });

  it('refuses a swapped body, another path, another query, another method', async () => {
    const path = `/v1/keys/${key.id}/regenerate`;
    const body = JSON.stringify({ gracePeriod: 0 });
    const signed = () => signRequest(signer(key), { method: 'POST', url: url(`${path}?x=1`), body, contentType: 'application/json' });
    type Change = { path?: string; body?: string; method?: string; contentType?: string };
    const post = (headers: Record<string, string>, over: Change = {}) =>
      send(over.path ?? `${path}?x=1`, { method: over.method ?? 'POST', headers: { ...headers, 'content-type': over.contentType ?? headers['content-type']! }, body: over.body ?? body });

    // The control: the signature is accepted, then key management refuses a non-interactive credential.
    const control = await post(signed());
    expect([control.status, control.json.error.code]).toEqual([403, 'interactive_credential_required']);

    const tampered: Change[] = [
      { body: JSON.stringify({ gracePeriod: 60 }) },
      { contentType: 'application/json; charset=utf-8' }, // still read as JSON, but not what was signed
      { contentType: 'APPLICATION/JSON' },
      { body: `${body} ` },
      { path: `${path}?x=2` },
      { path: `${path}?x=1&y=1` },
      { path: `${path}` },
      { path: `/v1/keys/AAAAAAAAAAAAAAAA/regenerate?x=1` },
    ];
    for (const over of tampered) {
      const res = await post(signed(), over);
      expect([over, res.status, res.json.error.code]).toEqual([over, 401, 'invalid_signature']);
    }
    // Same path, another method: a key may revoke itself, so this would succeed if it were accepted.
    const read = signRequest(signer(key), { method: 'GET', url: url(`/v1/keys/${key.id}`) });
    const del = await send(`/v1/keys/${key.id}`, { method: 'DELETE', headers: read });
    expect([del.status, del.json.error.code]).toEqual([401, 'invalid_signature']);
    expect((await signedFetch(signer(key), url('/v1/me'))).status).toBe(200); // still not revoked
  });

  it('signs the Content-Type: one added, changed or dropped in transit is refused, and the client signs what fetch sends', async () => {
    // A GET signed without a Content-Type, given one on the way.
    const bare = signRequest(signer(key), { method: 'GET', url: url('/v1/me') });
    const added = await send('/v1/me', { headers: { ...bare, 'content-type': 'application/json' } });
    expect([added.status, added.json.error.code]).toEqual([401, 'invalid_signature']);
    // Signed with one, sent without it.
    const typed = signRequest(signer(key), { method: 'GET', url: url('/v1/me'), contentType: 'application/json' });
    const { 'content-type': _dropped, ...withoutType } = typed;
    const dropped = await send('/v1/me', { headers: withoutType });
    expect([dropped.status, dropped.json.error.code]).toEqual([401, 'invalid_signature']);
    // Signed as sent (spaces around the value aside), it is accepted.
    expect((await send('/v1/me', { headers: { ...typed, 'content-type': '  application/json ' } })).json).toMatchObject({ uid, auth: { method: 'signature' } });
    // signedFetch signs the type fetch gives a string body (text/plain) and the one the caller sets:
    // both signatures hold, then key management refuses a non-interactive credential.
    const regenerate = url(`/v1/keys/${key.id}/regenerate`);
    const code = async (res: Response) => [res.status, ((await res.json()) as { error: { code: string } }).error.code];
    expect(await code(await signedFetch(signer(key), regenerate, { method: 'POST', body: '' }))).toEqual([403, 'interactive_credential_required']);
    expect(await code(await signedFetch(signer(key), regenerate, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } }))).toEqual([
      403,
      'interactive_credential_required',
    ]);
  });

  it('accepts the query in another order and spelling (canonicalized), but not other values', async () => {
    const headers = signRequest(signer(key), { method: 'GET', url: url('/v1/me?name=J%C3%BCrgen&q=a+b') });
    expect((await send('/v1/me?q=a%20b&name=J%c3%bcrgen', { headers })).status).toBe(200);
    const other = signRequest(signer(key), { method: 'GET', url: url('/v1/me?q=a') });
    expect((await send('/v1/me?q=b', { headers: other })).json.error.code).toBe('invalid_signature');
  });

  it('refuses an uppercase hex signature: the contract fixes lowercase', async () => {
    const headers = signRequest(signer(key), { method: 'GET', url: url('/v1/me') });
    headers.authorization = headers.authorization!.replace(/Signature=([0-9a-f]+)/, (_m, h: string) => `Signature=${h.toUpperCase()}`);
    const res = await send('/v1/me', { headers });
    expect([res.status, res.json.error.code]).toEqual([401, 'invalid_credential']);
  });

  it('does not spend a nonce on a forged request', async () => {
    const nonce = `forged-then-real-${Date.now()}`;
    const headers = signRequest(signer(key), { method: 'GET', url: url('/v1/me') }, { nonce });
    const forged = { authorization: headers.authorization!.replace(/Signature=[0-9a-f]{8}/, 'Signature=00000000') };
    expect((await send('/v1/me', { headers: forged })).json.error.code).toBe('invalid_signature');
    expect((await send('/v1/me', { headers })).status).toBe(200);
  });

  it('refuses an unknown key id or another key’s secret', async () => {
    const other = await createKey(await createUser(), { name: 'other' });
    const wrongSecret = signRequest({ keyId: key.id, signingSecret: other.signingSecret }, { method: 'GET', url: url('/v1/me') });
    expect((await send('/v1/me', { headers: wrongSecret })).json.error.code).toBe('invalid_signature');
    const unknown = signRequest({ keyId: 'Zz0000000000000Z', signingSecret: key.signingSecret }, { method: 'GET', url: url('/v1/me') });
    expect((await send('/v1/me', { headers: unknown })).status).toBe(401);
  });

  it('signs On-Behalf-Of: accepted when signed, refused when added afterwards', async () => {
    const owner = await createUser();
    await adminAuth().setCustomUserClaims(owner.uid, { permissions: ['delegate'] });
    const delegating = await createKey(owner, { name: 'delegate' });
    const target = await createUser();

    const res = await signedFetch(signer(delegating), url('/v1/me'), { onBehalfOf: target.uid });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ uid: target.uid, auth: { method: 'signature', keyId: delegating.id, actor: owner.uid } });

    const unsigned = signRequest(signer(delegating), { method: 'GET', url: url('/v1/me') });
    const added = await send('/v1/me', { headers: { ...unsigned, 'on-behalf-of': target.uid } });
    expect([added.status, added.json.error.code]).toEqual([401, 'invalid_signature']);
    const swapped = signRequest(signer(delegating), { method: 'GET', url: url('/v1/me'), onBehalfOf: target.uid });
    const other = await send('/v1/me', { headers: { ...swapped, 'on-behalf-of': owner.uid } });
    expect(other.json.error.code).toBe('invalid_signature');
  });

  it('applies the key’s restrictions: a web key only from its origins', async () => {
    const web = (await userWithKey({ name: 'web signer', type: 'web', allowedOrigins: ['https://app.example.com'] })).key;
    const ok = await signedFetch(signer(web), url('/v1/me'), { headers: { origin: 'https://app.example.com' } });
    expect(ok.status).toBe(200);
    const elsewhere = await signedFetch(signer(web), url('/v1/me'), { headers: { origin: 'https://evil.example' } });
    expect(elsewhere.status).toBe(403);
  });
});

describe('signed token requests', () => {
  it('issue tokens without the key travelling, through the client, cached', async () => {
    const { user, key } = await userWithKey({ name: 'signed issue' });
    const tokens = new AccessTokens({ baseUrl: base(), signingKey: signer(key) });
    const first = await tokens.token();
    expect(await tokens.token()).toBe(first);
    const me = await tokens.fetch('/v1/me');
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ uid: user.uid, auth: { method: 'access_token', keyId: key.id } });

    // The API key form through the same client.
    const byKey = new AccessTokens({ baseUrl: base(), apiKey: key.key });
    expect((await byKey.fetch('/v1/me')).status).toBe(200);
  });

  it('refuses a replayed, altered, stale or mis-cased signed token request', async () => {
    const { key } = await userWithKey({ name: 'signed refusals' });
    const body = signTokenRequest(signer(key), { expires_in: '600' });
    const first = await issue(body);
    expect(first.status).toBe(200);
    expect(first.json.expires_at - Date.now() / 1000).toBeLessThanOrEqual(601);
    const replay = await issue(body);
    expect([replay.status, replay.json.error.code]).toEqual([401, 'replayed_request']);

    const altered = signTokenRequest(signer(key), { expires_in: '600' });
    const res = await issue({ ...altered, expires_in: '86400' });
    expect([res.status, res.json.error.code]).toEqual([401, 'invalid_signature']);
    const stale = await issue(signTokenRequest(signer(key), {}, { now: Date.now() - 600_000 }));
    expect([stale.status, stale.json.error.code]).toEqual([401, 'stale_request']);
    const upper = signTokenRequest(signer(key));
    const mis = await issue({ ...upper, signature: upper.signature!.toUpperCase() });
    expect([mis.status, mis.json.error.code]).toEqual([401, 'invalid_credential']);
    // Timestamps as JSON numbers are signed as their decimal text.
    const numeric = signTokenRequest(signer(key));
    expect((await issue({ ...numeric, timestamp: Number(numeric.timestamp) })).status).toBe(200);
  });

  it('refuses a signed token request that also carries another credential', async () => {
    const { key } = await userWithKey({ name: 'signed two creds' });
    const res = await issue(signTokenRequest(signer(key)), { authorization: `ApiKey ${key.key}` });
    expect([res.status, res.json.error.code]).toEqual([400, 'multiple_credentials']);
  });
});
