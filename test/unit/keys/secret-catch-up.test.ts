// After a rotation of the HMAC provider secret, an instance that has not listed the new version yet
// meets keys made under it by another instance: it lists the versions again (at most once per 10 s,
// shared by the API-key and signature verifiers) instead of refusing them until its own refresh.
import { apiKeyVerifier, type ApiKeyDeps } from '../../../functions/src/credentials/key-credential';
import { signedKeyVerifier } from '../../../functions/src/credentials/signature';
import { keyDigest, signingSecret } from '../../../functions/src/keys/digest';
import { newSecret, type ParsedKey } from '../../../functions/src/keys/format';
import { memoryFailureLimiter } from '../../harness/limits';
import { catchUpVersions } from '../../../functions/src/secrets/catch-up';
import { hmacSha256Hex } from '../../../functions/src/signing/hmac';
import type { KeyRecord } from '../../../functions/src/keys/record';
import { clock, hmacMaterial, info, keyCache, memoryNonces, memorySecret, noUseRecorder, record, users } from '../../harness/memory';
import { codeOf } from '../../harness/outcomes';

const KEY_ID = 'Key0000000000001';

function setup() {
  const time = clock();
  const v1 = { version: '1', material: hmacMaterial() };
  const v2 = { version: '2', material: hmacMaterial() };
  const hmacSecret = memorySecret([v1]); // this instance listed the versions before the rotation
  const records = new Map<string, KeyRecord>();
  const deps: ApiKeyDeps = {
    cache: keyCache(records, time.now),
    hmacSecret,
    users: users([{ uid: 'owner-1', claims: {}, disabled: false, validSince: 0 }]),
    useRecorder: noUseRecorder,
    failures: memoryFailureLimiter(1000),
    now: time.now,
  };
  /** A key as an instance that knows `version` makes it. */
  const keyUnder = (version: { version: string; material: Buffer }, keyId = KEY_ID) => {
    const key: ParsedKey = { type: 'server', keyId, secret: newSecret('server', keyId) };
    const salt = 'salt000000000001';
    records.set(keyId, record({ keyId, secrets: [{ digest: keyDigest(version.material, keyId, key.secret), version: version.version, salt, notAfter: null }] }));
    return { key, signing: signingSecret(version.material, keyId, salt) };
  };
  const signature = signedKeyVerifier({ ...deps, nonces: memoryNonces(), windowSeconds: 300 });
  const signed = (keyId: string, secret: string, nonce: string) => {
    const timestamp = String(Math.floor(time.now() / 1000));
    const message = `m:${timestamp}:${nonce}`;
    return signature({ keyId, timestamp, nonce, signature: hmacSha256Hex(secret, message), message }, info());
  };
  return { time, v1, v2, hmacSecret, deps, keyUnder, verify: apiKeyVerifier(deps), signed };
}

describe('provider secret catch-up', () => {
  it('accepts a key made under a version this instance has not listed yet, listing the versions once', async () => {
    const s = setup();
    const { key } = s.keyUnder(s.v2);
    s.hmacSecret.setRemote([s.v1, s.v2]); // another instance rotated and listed first
    await expect(s.verify(key, info())).resolves.toMatchObject({ uid: 'owner-1', method: 'api_key', keyId: KEY_ID });
    expect(s.hmacSecret.reloads).toBe(1);
    // Known from now on: no further listing.
    await s.verify(key, info());
    expect(s.hmacSecret.reloads).toBe(1);
  });

  it('lists again at most once per 10 s, shared by API keys and signatures, for versions that never come', async () => {
    const s = setup();
    const ghost = { version: '7', material: hmacMaterial() }; // named by a record, absent from Secret Manager
    const { key, signing } = s.keyUnder(ghost);
    for (let i = 0; i < 5; i++) expect(await codeOf(s.verify(key, info()))).toBe('invalid_credential');
    expect(await codeOf(s.signed(KEY_ID, signing, 'nonce-aaaaaaaaaaaaaaaa'))).toBe('invalid_signature');
    expect(s.hmacSecret.reloads).toBe(1);
    s.time.advance(9_999);
    expect(await codeOf(s.verify(key, info()))).toBe('invalid_credential');
    expect(s.hmacSecret.reloads).toBe(1);
    s.time.advance(1);
    expect(await codeOf(s.signed(KEY_ID, signing, 'nonce-bbbbbbbbbbbbbbbb'))).toBe('invalid_signature');
    expect(s.hmacSecret.reloads).toBe(2);
  });

  it('does not list again for versions it knows or older ones (a disabled version stays refused)', async () => {
    const s = setup();
    const { key } = s.keyUnder(s.v1);
    await s.verify(key, info());
    s.hmacSecret.setEnabled([s.v2]); // v1 disabled, and this instance knows it
    expect(await codeOf(s.verify(key, info()))).toBe('invalid_credential');
    expect(s.hmacSecret.reloads).toBe(0);
  });

  it('verifies a signed request under a version listed only by another instance', async () => {
    const s = setup();
    const { signing } = s.keyUnder(s.v2);
    s.hmacSecret.setRemote([s.v1, s.v2]);
    await expect(s.signed(KEY_ID, signing, 'nonce-cccccccccccccccc')).resolves.toMatchObject({ identity: { method: 'signature', keyId: KEY_ID } });
    expect(s.hmacSecret.reloads).toBe(1);
  });

  it('keeps the cached versions when Secret Manager cannot be reached (the key is refused, not a crash)', async () => {
    const s = setup();
    const { key } = s.keyUnder(s.v2);
    s.hmacSecret.reload = () => Promise.reject(new Error('unavailable'));
    expect(await codeOf(s.verify(key, info()))).toBe('invalid_credential');
    const known = s.hmacSecret.peek()!;
    await expect(catchUpVersions(s.hmacSecret, known, ['3'], s.time.now() + 60_000)).resolves.toBe(known);
  });
});
