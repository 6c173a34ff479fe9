// In-memory stand-ins for the verifiers' ports: provider secrets, the key cache, users, nonces.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { RequestContext } from '../../../functions/src/request';
import { RefreshingCache } from '../../../functions/src/lib/refreshing-cache';
import type { ProviderSecret, SecretVersion, VersionSet } from '../../../functions/src/secrets/provider';
import type { KeyRecord } from '../../../functions/src/keys/record';
import type { NonceStore } from '../../../functions/src/store/nonces';
import type { UserDirectory, UserRecordLite } from '../../../functions/src/store/users';
import type { KeyCache } from '../../../functions/src/credentials/key-credential';

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

export function clock(start = T0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms), set: (ms: number) => (now = ms) };
}

export const ecJwk = () => Buffer.from(JSON.stringify(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' })));

/**
 * A provider secret whose enabled versions the test sets. `setRemote` changes only what Secret
 * Manager holds: the cached list follows on `reload()` (another instance rotated first).
 */
export function memorySecret(initial: SecretVersion[]): ProviderSecret & {
  setEnabled(v: SecretVersion[]): void;
  setRemote(v: SecretVersion[]): void;
  reloads: number;
} {
  let set = toSet(initial);
  let remote = set;
  return {
    reloads: 0,
    peek: () => set,
    versions: async () => set,
    async reload() {
      this.reloads++;
      set = remote;
      return set;
    },
    setEnabled(v) {
      set = remote = toSet(v);
    },
    setRemote(v) {
      remote = toSet(v);
    },
  };
}

function toSet(enabled: SecretVersion[]): VersionSet {
  const sorted = [...enabled].sort((a, b) => Number(b.version) - Number(a.version));
  return { current: sorted[0]!, enabled: sorted, get: (v) => sorted.find((s) => s.version === v) };
}

export function keyCache(records: Map<string, KeyRecord>, now: () => number): KeyCache & { loads: number } {
  const cache = new RefreshingCache<string, KeyRecord | null>({
    ttlMs: 1000,
    maxEntries: 100,
    now,
    load: async (id) => {
      (cache as unknown as { loads: number }).loads++;
      return records.get(id) ?? null;
    },
  }) as KeyCache & { loads: number };
  cache.loads = 0;
  return cache;
}

export function users(list: UserRecordLite[]): UserDirectory & { records: Map<string, UserRecordLite> } {
  const records = new Map(list.map((u) => [u.uid, u]));
  return { records, get: async (uid) => records.get(uid), invalidate: () => undefined };
}

export function memoryNonces(): NonceStore & { seen: Map<string, number> } {
  const seen = new Map<string, number>();
  const stats = { writes: 0, commits: 0 };
  return {
    seen,
    stats,
    async claim(keyId, nonce, expireAt) {
      stats.writes++;
      stats.commits++;
      const id = `${keyId}:${nonce}`;
      if (seen.has(id)) return false;
      seen.set(id, expireAt);
      return true;
    },
  };
}

export const noUsage = { touch: () => undefined, refuse: () => undefined, lastUsed: () => null, tick: () => undefined, flush: async () => undefined };
export const noFailures = { fail: () => undefined };

export function record(over: Partial<KeyRecord> = {}): KeyRecord {
  return {
    keyId: 'Key0000000000001',
    ownerUid: 'owner-1',
    name: 'test',
    type: 'server',
    scopes: null,
    allowedOrigins: [],
    allowedIps: [],
    createdAt: T0 - 1000,
    expiresAt: T0 + 86_400_000 * 30,
    revokedAt: null,
    regeneratedAt: null,
    lastUsedAt: null,
    secrets: [{ digest: 'unused', version: '1', salt: 'salt000000000001', notAfter: null }],
    ...over,
  };
}

export function info(over: Partial<RequestContext> = {}): RequestContext {
  return {
    requestId: 'r1',
    method: 'GET',
    path: '/v1/me',
    rawQuery: '',
    ip: '203.0.113.9',
    userAgent: 'jest',
    origin: undefined,
    headers: {},
    rawHeaders: [],
    rawBody: Buffer.alloc(0),
    body: {},
    ...over,
  };
}

export const hmacMaterial = () => randomBytes(32);

export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}
