// A key regenerated on another instance: this instance still caches the record with the old
// secrets (for up to KEYWARD_CACHE_TTL_MS). A secret that matches none of them is checked once more
// against the record read again, at most once a second per key, so the new key works at once and
// wrong secrets cannot turn into a read per request.
import { apiKeyVerifier, type KeyCache } from '../../../functions/src/credentials/key-credential';
import { signedKeyVerifier } from '../../../functions/src/credentials/signature';
import { keyDigest, signingSecret } from '../../../functions/src/keys/digest';
import { newSecret, type ParsedKey } from '../../../functions/src/keys/format';
import { memoryFailureLimiter } from '../../harness/limits';
import { RefreshingCache } from '../../../functions/src/lib/refreshing-cache';
import { hmacSha256Hex } from '../../../functions/src/signing/hmac';
import type { KeyRecord } from '../../../functions/src/keys/record';
import { clock, hmacMaterial, info, memoryNonces, memorySecret, noUseRecorder, record, users } from '../../harness/memory';
import { codeOf } from '../../harness/outcomes';

const KEY_ID = 'Key0000000000002';

function setup() {
  const time = clock();
  const v1 = { version: '1', material: hmacMaterial() };
  const stored = new Map<string, KeyRecord>();
  let reads = 0;
  const cache: KeyCache = new RefreshingCache<string, KeyRecord | null>({
    ttlMs: 10_000, // the production lifetime: long enough for a stale record to matter
    maxEntries: 100,
    now: time.now,
    load: async (id) => {
      reads++;
      return stored.get(id) ?? null;
    },
  });
  const deps = {
    cache,
    hmacSecret: memorySecret([v1]),
    users: users([{ uid: 'owner-1', claims: {}, disabled: false, validSince: 0 }]),
    useRecorder: noUseRecorder,
    failures: memoryFailureLimiter(1000),
    now: time.now,
  };
  /** Writes a fresh secret for the key to the datastore, as a regeneration on any instance does. */
  const mint = (salt: string) => {
    const key: ParsedKey = { type: 'server', keyId: KEY_ID, secret: newSecret('server', KEY_ID) };
    stored.set(KEY_ID, record({ keyId: KEY_ID, secrets: [{ digest: keyDigest(v1.material, KEY_ID, key.secret), version: '1', salt, notAfter: null }] }));
    return { key, signing: signingSecret(v1.material, KEY_ID, salt) };
  };
  const signature = signedKeyVerifier({ ...deps, nonces: memoryNonces(), windowSeconds: 300 });
  const signed = (secret: string, nonce: string) => {
    const timestamp = String(Math.floor(time.now() / 1000));
    const message = `m:${timestamp}:${nonce}`;
    return signature({ keyId: KEY_ID, timestamp, nonce, signature: hmacSha256Hex(secret, message), message }, info());
  };
  return { time, mint, verify: apiKeyVerifier(deps), signed, reads: () => reads };
}

describe('a key regenerated on another instance', () => {
  it('accepts the new secret at once, with one read of the record', async () => {
    const s = setup();
    const old = s.mint('salt000000000001');
    await s.verify(old.key, info()); // cached here with the old secret
    s.time.advance(1500);
    const fresh = s.mint('salt000000000002'); // regenerated elsewhere
    const before = s.reads();
    await expect(s.verify(fresh.key, info())).resolves.toMatchObject({ keyId: KEY_ID });
    expect(s.reads() - before).toBe(1);
    await expect(s.verify(fresh.key, info())).resolves.toMatchObject({ keyId: KEY_ID });
    expect(s.reads() - before).toBe(1); // the fresh record is cached now
    expect(await codeOf(s.verify(old.key, info()))).toBe('invalid_credential'); // no grace period was given
  });

  it('accepts a request signed with the new signing secret at once', async () => {
    const s = setup();
    const old = s.mint('salt000000000001');
    await s.signed(old.signing, 'nonce-aaaaaaaaaaaaaaaa');
    s.time.advance(1500);
    const fresh = s.mint('salt000000000002');
    await expect(s.signed(fresh.signing, 'nonce-bbbbbbbbbbbbbbbb')).resolves.toMatchObject({ identity: { keyId: KEY_ID } });
  });

  it('reads the record again at most once a second however many wrong secrets arrive', async () => {
    const s = setup();
    const real = s.mint('salt000000000001');
    await s.verify(real.key, info());
    s.time.advance(1000);
    const wrong: ParsedKey = { ...real.key, secret: newSecret('server', KEY_ID) };
    const before = s.reads();
    for (let i = 0; i < 20; i++) expect(await codeOf(s.verify(wrong, info()))).toBe('invalid_credential');
    expect(s.reads() - before).toBe(1);
    s.time.advance(999);
    for (let i = 0; i < 20; i++) expect(await codeOf(s.verify(wrong, info()))).toBe('invalid_credential');
    expect(s.reads() - before).toBe(1);
    s.time.advance(1);
    expect(await codeOf(s.verify(wrong, info()))).toBe('invalid_credential');
    expect(s.reads() - before).toBe(2);
  });
});
