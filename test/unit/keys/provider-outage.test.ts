// The HMAC provider secret through a Secret Manager outage, with a stand-in source: an instance
// that has listed the versions keeps verifying keys (past its refresh time too); a cold one fails
// closed with 503 and Retry-After, never a 401 and never a pass; both recover when it comes back.
import { apiKeyVerifier } from '../../../functions/src/credentials/key-credential';
import { errorHeaders, statusOf } from '../../../functions/src/http/errors';
import { KeywardError } from '../../../functions/src/errors';
import { keyDigest } from '../../../functions/src/keys/digest';
import { newSecret, type ParsedKey } from '../../../functions/src/keys/format';
import { memoryFailureLimiter } from '../../harness/limits';
import { providerSecret, type SecretSource } from '../../../functions/src/secrets/provider';
import type { KeyRecord } from '../../../functions/src/keys/record';
import { clock, hmacMaterial, info, keyCache, noUseRecorder, record, users } from '../../harness/memory';
import { codeOf } from '../../harness/outcomes';

const KEY_ID = 'Key0000000000001';
const TTL_MS = 300_000;

function setup() {
  const time = clock();
  const material = new Map([['1', hmacMaterial()]]);
  const enabled = ['1'];
  const source = { down: false, lists: 0, accesses: 0 };
  const sm: SecretSource = {
    async listEnabledVersions() {
      source.lists++;
      if (source.down) throw new Error('14 UNAVAILABLE: connect ECONNREFUSED');
      return [...enabled].sort((a, b) => Number(b) - Number(a));
    },
    async access(_id, version) {
      source.accesses++;
      if (source.down) throw new Error('14 UNAVAILABLE: connect ECONNREFUSED');
      return material.get(version)!;
    },
  };
  const key: ParsedKey = { type: 'server', keyId: KEY_ID, secret: newSecret('server', KEY_ID) };
  const records = new Map<string, KeyRecord>([
    [KEY_ID, record({ keyId: KEY_ID, secrets: [{ digest: keyDigest(material.get('1')!, KEY_ID, key.secret), version: '1', salt: 's', notAfter: null }] })],
  ]);
  /** An instance: its own provider-secret cache over the shared source. */
  const instance = () => {
    const hmacSecret = providerSecret(sm, 'keyward-api-key-hmac', TTL_MS, time.now);
    const verify = apiKeyVerifier({
      cache: keyCache(records, time.now),
      hmacSecret,
      users: users([{ uid: 'owner-1', claims: {}, disabled: false, validSince: 0 }]),
      useRecorder: noUseRecorder,
      failures: memoryFailureLimiter(1000),
      now: time.now,
    });
    return { hmacSecret, verify: () => verify(key, info()) };
  };
  const settle = () => new Promise((r) => setImmediate(r));
  return { time, source, enabled, material, instance, settle };
}

describe('HMAC provider secret: Secret Manager outage', () => {
  it('keeps verifying on a warm instance, past its refresh time, and picks up changes once it is back', async () => {
    const s = setup();
    const warm = s.instance();
    await expect(warm.verify()).resolves.toMatchObject({ uid: 'owner-1', method: 'api_key' });
    s.source.down = true;
    s.time.advance(TTL_MS * 3); // refreshes are due and fail in the background
    for (let i = 0; i < 3; i++) {
      await expect(warm.verify()).resolves.toMatchObject({ uid: 'owner-1' });
      await s.settle();
    }
    expect(s.source.lists).toBeGreaterThan(1); // it did try

    // Back: the next due refresh lists the versions again; a version disabled meanwhile stops verifying.
    s.source.down = false;
    s.material.set('2', hmacMaterial());
    s.enabled.splice(0, s.enabled.length, '2');
    await warm.verify(); // served from the last good list, and starts the refresh
    await s.settle();
    await s.settle();
    expect(warm.hmacSecret.peek()?.current.version).toBe('2');
    expect(await codeOf(warm.verify())).toBe('invalid_credential');
  });

  it('fails closed on a cold instance: 503 unavailable with Retry-After, then recovers', async () => {
    const s = setup();
    s.source.down = true;
    const cold = s.instance();
    const err = await cold.verify().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KeywardError);
    expect([statusOf(err as KeywardError), (err as KeywardError).code]).toEqual([503, 'unavailable']);
    expect(errorHeaders(err as KeywardError)).toMatchObject({ 'Retry-After': '5' });
    s.source.down = false;
    await expect(cold.verify()).resolves.toMatchObject({ uid: 'owner-1' });
  });

  it('fetches each version’s payload once: refreshes only list', async () => {
    const s = setup();
    const warm = s.instance();
    await warm.verify();
    for (let i = 0; i < 3; i++) {
      s.time.advance(TTL_MS);
      await warm.verify();
      await s.settle();
    }
    expect(s.source.lists).toBe(4);
    expect(s.source.accesses).toBe(1);
  });
});
