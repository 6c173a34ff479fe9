// What refused keys cost the datastore, counted by the key store of an instance built in this
// process (services.keyStore.stats) against the test stack's Firestore:
// - a malformed key or a bad checksum, in any header form, costs no read at all;
// - an unknown well-formed key sent again and again costs one read per cache TTL, not one per request.
import { createUser } from '../../harness/auth';
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import { signRequest } from '../../../client/src';
import { b64, createKeyAt, keyHeaderForms, meAt, unknownKey, wholeKeyForms } from './support';

/** Changes the character at `index` (from the end when negative) to another alphanumeric one. */
function flip(key: string, index: number): string {
  const i = index < 0 ? key.length + index : index;
  const c = key[i]!;
  return key.slice(0, i) + (c === 'A' ? 'B' : 'A') + key.slice(i + 1);
}

describe('API keys: datastore reads of refused keys', () => {
  let app: InProcessApp;
  const reads = () => app.services.keyStore.stats.reads;

  beforeAll(async () => {
    // The production cache TTL (10 s), so a burst sits well inside one TTL. The failure limit stays the
    // suite's (TEST_FUNCTIONS_ENV), which these tests cannot reach (failure-limits.test.ts tests it): every
    // app of the suite counts failures from 127.0.0.1 on one shared counter, leasing blocks sized by its
    // own limit, so an app with a lower limit than the others could find it spent by their leases.
    app = await startInProcessApp({ KEYWARD_CACHE_TTL_MS: '10000' });
  });
  afterAll(async () => {
    await app?.close();
    await app?.services.audit.close();
  });

  it('refuses malformed keys and bad checksums in every header form before any datastore read', async () => {
    const user = await createUser();
    const real = (await createKeyAt(app.url, user)).key;
    const [type, id, secret] = real.split('_') as [string, string, string];
    const malformed = [
      'server_short',
      `${type}_${id}_${secret}A`, // too long a secret
      `${type}_${id.slice(1)}_${secret}`, // too short an id
      `${type}_${id}_${secret.slice(0, 10)}-${secret.slice(11)}`, // not alphanumeric
      `${real}${'A'.repeat(200)}`, // far too long
    ];
    const badChecksum = [
      flip(real, type.length + 1 + id.length + 1 + 3), // a typo in the secret's body
      flip(real, -1), // a typo in the checksum
      flip(real, type.length + 4), // a typo in the key id
      real.slice(0, -1), // truncated
    ];

    // Only the type differs: the pair forms carry no type, so these are whole-key forms only.
    const wrongType = [`root_${id}_${secret}`, `${type === 'mobile' ? 'server' : 'mobile'}_${id}_${secret}`];

    const before = reads();
    const attempts = [...[...malformed, ...badChecksum].map((bad) => [bad, keyHeaderForms(bad)] as const), ...wrongType.map((bad) => [bad, wholeKeyForms(bad)] as const)];
    for (const [bad, forms] of attempts) {
      for (const headers of forms) {
        const res = await meAt(app.url, headers);
        expect({ bad, headers, status: res.status, code: res.json?.error?.code }).toEqual({ bad, headers, status: 401, code: 'invalid_credential' });
        expect(res.headers.get('www-authenticate')).toBeTruthy();
      }
    }
    // The pair forms with parts that are not base64, or a secret without its id.
    const unparsable: Record<string, string>[] = [
      { authorization: 'ApiKey !!!not-base64!!!' },
      { authorization: `ApiKey ${b64(`${id}${secret}`)}` }, // no colon
      { 'x-api-key': b64(id), 'x-api-secret': '%%%' },
      { 'x-api-secret': b64(secret) },
      { authorization: `Keyward-HMAC-SHA256 Credential=${id}!, Timestamp=${Math.floor(Date.now() / 1000)}, Nonce=${'n'.repeat(20)}, Signature=${'0'.repeat(64)}` },
    ];
    for (const headers of unparsable) {
      const res = await meAt(app.url, headers);
      expect({ headers, status: res.status }).toEqual({ headers, status: 401 });
    }
    expect(reads() - before).toBe(0);

    // The counter counts: the same requests with a well-formed key of an unknown id cost a read,
    // and the real key (cached when it was created here) still works.
    await meAt(app.url, { 'x-api-key': unknownKey() });
    expect(reads() - before).toBe(1);
    expect((await meAt(app.url, { 'x-api-key': real })).status).toBe(200);
  });

  it('reads an unknown well-formed key once, however often and however it is sent', async () => {
    const unknown = unknownKey('mobile');
    const before = reads();
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      const res = await meAt(app.url, { authorization: `ApiKey ${unknown}` });
      expect([res.status, res.json.error.code]).toEqual([401, 'invalid_credential']);
    }
    const concurrent = await Promise.all(Array.from({ length: 20 }, () => meAt(app.url, { 'x-api-key': unknown })));
    expect(concurrent.map((r) => r.status)).toEqual(concurrent.map(() => 401));
    for (const headers of keyHeaderForms(unknown)) expect((await meAt(app.url, headers)).status).toBe(401);
    // A signed request naming the unknown id shares the same cached answer.
    const [, id] = unknown.split('_') as [string, string];
    const signed = signRequest({ keyId: id, signingSecret: 'kws_guess' }, { method: 'GET', url: `${app.url}/v1/me` });
    expect((await meAt(app.url, signed)).status).toBe(401);
    expect(Date.now() - started).toBeLessThan(5000); // all inside half the cache TTL: no refresh due
    expect(reads() - before).toBe(1);
  });
});
