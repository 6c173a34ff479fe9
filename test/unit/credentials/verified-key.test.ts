// The verified key record travels with its identity (credentials/verified-key.ts): the call limiter
// and the usage write take the record and its owner from the verification instead of looking them
// up again.
import { apiKeyVerifier } from '../../../functions/src/credentials/key-credential';
import { verifiedKeyOf } from '../../../functions/src/credentials/verified-key';
import { keyDigest } from '../../../functions/src/keys/digest';
import { newSecret, type ParsedKey } from '../../../functions/src/keys/format';
import type { KeyRecord } from '../../../functions/src/keys/record';
import { useRecorder, type UseFlush } from '../../../functions/src/keys/use-recorder';
import { providerSecret, type SecretSource } from '../../../functions/src/secrets/provider';
import { memoryFailureLimiter } from '../../harness/limits';
import { clock, hmacMaterial, info, keyCache, record, users } from '../../harness/memory';

const KEY_ID = 'Key0000000000007';

it('an API key verification hands on the record it verified with, and the use carries its owner to the write', async () => {
  const time = clock();
  const material = hmacMaterial();
  const sm: SecretSource = { listEnabledVersions: async () => ['1'], access: async () => material };
  const key: ParsedKey = { type: 'server', keyId: KEY_ID, secret: newSecret('server', KEY_ID) };
  const rec: KeyRecord = record({ keyId: KEY_ID, ownerUid: 'owner-7', secrets: [{ digest: keyDigest(material, KEY_ID, key.secret), version: '1', salt: 's', notAfter: null }] });
  const writes: UseFlush[] = [];
  const recorder = useRecorder(async (f) => void writes.push(f), { now: time.now, timers: false });
  const verify = apiKeyVerifier({
    cache: keyCache(new Map([[KEY_ID, rec]]), time.now),
    hmacSecret: providerSecret(sm, 'keyward-api-key-hmac', 300_000, time.now),
    users: users([{ uid: 'owner-7', claims: {}, disabled: false, validSince: 0 }]),
    useRecorder: recorder,
    failures: memoryFailureLimiter(1000),
    now: time.now,
  });
  const identity = await verify(key, info());
  expect(identity).toMatchObject({ uid: 'owner-7', keyId: KEY_ID });
  expect(verifiedKeyOf(identity)?.keyId).toBe(KEY_ID);
  expect(verifiedKeyOf(identity)?.ownerUid).toBe('owner-7');
  // Another object with the same fields was not verified: nothing is handed on for it.
  expect(verifiedKeyOf({ ...identity })).toBeUndefined();
  await recorder.flush();
  expect(writes).toEqual([{ keyId: KEY_ID, ownerUid: 'owner-7', lastUsedAt: time.now(), days: { [new Date(time.now()).toISOString().slice(0, 10)]: { requests: 1, failures: 0 } } }]);
});
