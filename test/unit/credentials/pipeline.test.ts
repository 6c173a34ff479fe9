// The credential pipeline with in-memory ports and a frozen clock: which verifier a credential
// reaches, On-Behalf-Of, call limits, and what is audited (and what is not).
import { createAuthenticator, type Verifiers } from '../../../functions/src/credentials/pipeline';
import type { CallLimiter } from '../../../functions/src/limits/call-limiter';
import type { FailureLimiter } from '../../../functions/src/limits/failure-limiter';
import { KeywardError, unavailable } from '../../../functions/src/errors';
import type { Identity } from '../../../functions/src/identity';
import { formatKey, newKeyId, newSecret } from '../../../functions/src/keys/format';
import { clock, info, memoryAuditSink, users } from '../../harness/memory';
import { codeOf } from '../../harness/outcomes';

const ISSUER = 'https://keyward.example';
const jwt = (payload: object) => `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;
const keyId = newKeyId();
const apiKey = formatKey({ type: 'server', keyId, secret: newSecret('server', keyId) });

function setup(identity: Partial<Identity> = {}, limits = 100) {
  const time = clock();
  const audit = memoryAuditSink();
  const seen: string[] = [];
  const as = (method: Identity['method']): Identity => ({ uid: 'owner', claims: { permissions: ['delegate'] }, method, keyId, keyType: 'server', ...identity });
  const verifiers: Verifiers = {
    session: async () => (seen.push('session'), as('session')),
    idToken: async () => (seen.push('idToken'), as('id_token')),
    accessToken: async () => (seen.push('accessToken'), as('access_token')),
    apiKey: async () => (seen.push('apiKey'), as('api_key')),
    signature: async () => (seen.push('signature'), as('signature')),
  };
  const directory = users([
    { uid: 'owner', claims: { permissions: ['delegate'] }, disabled: false, validSince: 0 },
    { uid: 'customer', claims: { permissions: ['reports'] }, disabled: false, validSince: 0 },
    { uid: 'gone', claims: {}, disabled: true, validSince: 0 },
  ]);
  // A call limiter that allows `limits` calls per key per minute of the frozen clock.
  const calls = new Map<string, number>();
  const callLimits: CallLimiter = {
    async admit(who) {
      if (!who.keyId) return undefined;
      const window = `${who.keyId}:${Math.floor(time.now() / 60_000)}`;
      calls.set(window, (calls.get(window) ?? 0) + 1);
      if (calls.get(window)! > limits) throw new KeywardError('rate_limited', 'Too many calls with this key; slow down.', { retryAfterSeconds: 60 });
      return undefined;
    },
  };
  const authenticate = createAuthenticator({ verifiers, users: directory, audit, tokenIssuer: ISSUER, callLimits });
  return { time, audit, seen, verifiers, authenticate };
}

describe('credential pipeline', () => {
  it('sends each credential to the verifier for its kind', async () => {
    const s = setup();
    await s.authenticate(info({ headers: { cookie: '__session=abc' } }));
    await s.authenticate(info({ headers: { authorization: `Bearer ${jwt({ iss: ISSUER })}` } }));
    await s.authenticate(info({ headers: { authorization: `Bearer ${jwt({ iss: 'https://securetoken.google.com/p' })}` } }));
    await s.authenticate(info({ headers: { 'x-api-key': apiKey } }));
    await s.authenticate(info({ headers: { authorization: 'Keyward-HMAC-SHA256 keyId=x' } }));
    expect(s.seen).toEqual(['session', 'accessToken', 'idToken', 'apiKey', 'signature']);
  });

  it('refuses no credential (401 with a challenge) and an ID token in the URL, before any verifier', async () => {
    const s = setup();
    const none = await s.authenticate(info()).catch((e: unknown) => e);
    expect(none).toMatchObject({ code: 'unauthenticated', details: { challenge: 'Bearer' } });
    expect(await codeOf(s.authenticate(info({ rawQuery: `token=${jwt({ iss: 'firebase' })}` })))).toBe('invalid_credential');
    expect(s.seen).toEqual([]);
    expect(s.audit.events.map((e) => [e.event, e.reason])).toEqual([
      ['auth.failure', 'unauthenticated'],
      ['auth.failure', 'invalid_credential'],
    ]);
  });

  it('audits a success with the request, and acts for another user only as a delegating server key', async () => {
    const s = setup();
    const acted = await s.authenticate(info({ headers: { 'x-api-key': apiKey, 'on-behalf-of': 'customer' } }));
    // Only what both hold: the owner's `delegate` is not the customer's, the customer's `reports` not the owner's.
    expect(acted).toMatchObject({ uid: 'customer', actor: 'owner', claims: { permissions: [] } });
    expect(s.audit.events[0]).toMatchObject({ event: 'auth.success', actor: { uid: 'owner', method: 'api_key', keyId }, target: { uid: 'customer' }, request: { requestId: 'r1', path: '/v1/me' } });

    expect(await codeOf(s.authenticate(info({ headers: { 'x-api-key': apiKey, 'on-behalf-of': 'gone' } })))).toBe('forbidden');
    expect(await codeOf(s.authenticate(info({ headers: { 'x-api-key': apiKey, 'on-behalf-of': 'not a uid!' } })))).toBe('invalid_request');
    const mobile = setup({ keyType: 'mobile' });
    expect(await codeOf(mobile.authenticate(info({ headers: { 'x-api-key': apiKey, 'on-behalf-of': 'customer' } })))).toBe('forbidden');
    const plain = setup({ claims: {} });
    expect(await codeOf(plain.authenticate(info({ headers: { 'x-api-key': apiKey, 'on-behalf-of': 'customer' } })))).toBe('forbidden');
  });

  it('applies the call limiter to key-based credentials, and counts again in the next minute', async () => {
    const s = setup({}, 2);
    const call = () => codeOf(s.authenticate(info({ headers: { 'x-api-key': apiKey } })));
    expect([await call(), await call(), await call()]).toEqual(['ok', 'ok', 'rate_limited']);
    s.time.advance(60_000);
    expect(await call()).toBe('ok');
  });

  it('keeps a fault a fault: a bug is 500 with its cause, a dependency 503 (its verifier says so); both audited as errors, not refusals', async () => {
    const s = setup();
    const bug = new Error('connection refused'); // not classified by its verifier: ours to fix
    s.verifiers.apiKey = async () => Promise.reject(bug);
    const err = (await s.authenticate(info({ headers: { 'x-api-key': apiKey } })).catch((e: unknown) => e)) as KeywardError;
    expect(err).toMatchObject({ code: 'internal' });
    expect(err.details.cause).toBe(bug);
    const down = unavailable('Firestore is down', bug);
    s.verifiers.apiKey = async () => Promise.reject(down);
    expect(await codeOf(s.authenticate(info({ headers: { 'x-api-key': apiKey } })))).toBe('unavailable');
    expect(s.audit.events.map((e) => [e.event, e.outcome, e.reason])).toEqual([
      ['auth.failure', 'error', 'internal'],
      ['auth.failure', 'error', 'unavailable'],
    ]);
  });
});

describe('credential pipeline: failed verifications of every kind count per address, once', () => {
  function limited(limit: number, refuse: Partial<Record<keyof Verifiers, KeywardError>>) {
    const counted: { ip: string; keyId?: string }[] = [];
    const failures: FailureLimiter = {
      async fail(subjects) {
        counted.push(subjects);
        return counted.filter((c) => c.ip === subjects.ip).length > limit ? 42 : undefined;
      },
    };
    const ok: Identity = { uid: 'owner', claims: {}, method: 'id_token' };
    const verify = (kind: keyof Verifiers) => async () => {
      if (refuse[kind]) throw refuse[kind];
      return ok;
    };
    const verifiers: Verifiers = { session: verify('session'), idToken: verify('idToken'), accessToken: verify('accessToken'), apiKey: verify('apiKey'), signature: verify('signature') };
    const audit = memoryAuditSink();
    const authenticate = createAuthenticator({ verifiers, users: users([]), audit, tokenIssuer: ISSUER, failures, now: () => 0 });
    return { authenticate, counted, audit };
  }
  const idToken = { headers: { authorization: `Bearer ${jwt({ iss: 'https://securetoken.google.com/p' })}` } };
  const accessToken = { headers: { authorization: `Bearer ${jwt({ iss: ISSUER })}` } };
  const invalid = new KeywardError('invalid_credential', 'The ID token is not valid.', { challenge: 'Bearer' });

  it('counts bad ID tokens, access tokens, session cookies and malformed credentials against the address; past the limit 429 with Retry-After', async () => {
    const s = limited(3, { idToken: invalid, accessToken: invalid, session: invalid });
    expect(await codeOf(s.authenticate(info(idToken)))).toBe('invalid_credential');
    expect(await codeOf(s.authenticate(info(accessToken)))).toBe('invalid_credential');
    expect(await codeOf(s.authenticate(info({ headers: { cookie: '__session=forged' } })))).toBe('invalid_credential');
    const past = await s.authenticate(info(idToken)).catch((e: unknown) => e);
    expect(past).toMatchObject({ code: 'rate_limited', details: { retryAfterSeconds: 42 } });
    expect(s.counted).toEqual(Array(4).fill({ ip: '203.0.113.9' }));
    expect(s.audit.events.map((e) => e.reason)).toEqual(['invalid_credential', 'invalid_credential', 'invalid_credential', 'rate_limited']);
    // Another address has its own count.
    expect(await codeOf(s.authenticate(info({ ...idToken, ip: '198.51.100.1' })))).toBe('invalid_credential');
  });

  it('does not count twice what the key check already counted, nor what is not a failed verification', async () => {
    const s = limited(100, {
      apiKey: new KeywardError('invalid_credential', 'The API key is not valid.').with({ failureCounted: true }),
      signature: new KeywardError('invalid_signature', 'The signature does not match the request.').with({ failureCounted: true }),
      idToken: new KeywardError('expired_credential', 'The ID token has expired.'),
      accessToken: new KeywardError('revoked_credential', 'The access token has been revoked.'),
    });
    await codeOf(s.authenticate(info({ headers: { 'x-api-key': apiKey } })));
    await codeOf(s.authenticate(info({ headers: { authorization: 'Keyward-HMAC-SHA256 keyId=x' } })));
    await codeOf(s.authenticate(info(idToken)));
    await codeOf(s.authenticate(info(accessToken)));
    await codeOf(s.authenticate(info())); // no credential: nothing was verified
    expect(s.counted).toEqual([]);
    // A signature refused before its secret was checked (a malformed header, a stale timestamp) is no
    // guess at a secret and costs no datastore operation: keys and signatures count only where matched.
    const unchecked = limited(100, { signature: new KeywardError('invalid_signature', 'The signature does not match the request.') });
    await codeOf(unchecked.authenticate(info({ headers: { authorization: 'Keyward-HMAC-SHA256 keyId=x' } })));
    expect(unchecked.counted).toEqual([]);
  });

  it('never refuses a valid credential, whatever the address has failed', async () => {
    const s = limited(0, { idToken: invalid });
    expect(await codeOf(s.authenticate(info(idToken)))).toBe('rate_limited');
    await expect(s.authenticate(info(accessToken))).resolves.toMatchObject({ uid: 'owner' });
    expect(s.counted).toHaveLength(1);
  });
});
