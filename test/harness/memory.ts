// In-memory twins of every port Keyward's orchestrators take (KeyStore, UserDirectory, the
// Firebase Auth calls, SecretSource and ProviderSecret, AuditSink, NonceStore, WindowCounter),
// a frozen clock, and request contexts: unit tests run the real rules against these in
// milliseconds; the integration suite proves the Firebase and Google adapters.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { AuditEvent, ManagedAuditSink } from '../../functions/src/audit/events';
import type { RequestContext } from '../../functions/src/request';
import { RefreshingCache } from '../../functions/src/lib/refreshing-cache';
import type { ProviderSecret, SecretSource, SecretVersion, VersionSet } from '../../functions/src/secrets/provider';
import type { KeyRecord, KeyStore } from '../../functions/src/keys/record';
import type { UseFlush } from '../../functions/src/keys/use-recorder';
import type { NonceStore } from '../../functions/src/store/nonces';
import type { AuthPort, UserDirectory, UserRecordLite } from '../../functions/src/store/users';
import type { KeyCache } from '../../functions/src/credentials/key-credential';

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

export function users(list: UserRecordLite[]): UserDirectory & { records: Map<string, UserRecordLite>; invalidated: string[] } {
  const records = new Map(list.map((u) => [u.uid, u]));
  const invalidated: string[] = [];
  return { records, invalidated, get: async (uid) => records.get(uid), invalidate: (uid) => void invalidated.push(uid) };
}

/** Key records in a Map, with the adapter's semantics (create refuses an existing id; newest first). */
export function memoryKeyStore(initial: KeyRecord[] = []): KeyStore & { records: Map<string, KeyRecord>; down: boolean } {
  const records = new Map(initial.map((r) => [r.keyId, structuredClone(r)]));
  const stats = { reads: 0, writes: 0 };
  const store = {
    records,
    stats,
    down: false,
    check() {
      if (store.down) throw Object.assign(new Error('datastore down'), { code: 14 });
    },
    async create(record: KeyRecord) {
      store.check();
      stats.writes++;
      if (records.has(record.keyId)) return false;
      records.set(record.keyId, structuredClone(record));
      return true;
    },
    async get(keyId: string) {
      store.check();
      stats.reads++;
      const r = records.get(keyId);
      return r && structuredClone(r);
    },
    async listByOwner(ownerUid: string, limit: number) {
      store.check();
      stats.reads++;
      return [...records.values()].filter((r) => r.ownerUid === ownerUid).sort((a, b) => b.createdAt - a.createdAt).slice(0, limit).map((r) => structuredClone(r));
    },
    async change(keyId: string, revision: number, patch: Partial<KeyRecord>) {
      store.check();
      stats.writes++;
      const r = records.get(keyId);
      if (!r) throw Object.assign(new Error('no such document'), { code: 5 });
      if ((r.revision ?? 0) !== revision) return false;
      records.set(keyId, { ...r, ...structuredClone(patch), revision: revision + 1 });
      return true;
    },
    async delete(keyId: string) {
      store.check();
      stats.writes++;
      records.delete(keyId);
    },
    /** Usage is counted only as lastUsedAt here (the daily usage documents are the Firestore adapter's). */
    async recordUse(_ownerUid: string, flush: UseFlush) {
      store.check();
      stats.writes++;
      const r = records.get(flush.keyId);
      if (r) records.set(flush.keyId, { ...r, lastUsedAt: Math.max(r.lastUsedAt ?? 0, flush.lastUsedAt ?? 0) || null });
    },
  };
  return store;
}

/**
 * The Firebase Auth calls Keyward makes, over a set of users. ID tokens and session cookies are
 * opaque strings the test registers (`idToken(uid, authTime)`), verified by lookup.
 */
export function memoryAuth(list: UserRecordLite[] = [], now: () => number = Date.now) {
  const byUid = new Map(list.map((u) => [u.uid, u]));
  const tokens = new Map<string, { uid: string; auth_time: number; iat: number }>();
  const cookies = new Map<string, { uid: string; auth_time: number; iat: number; expiresIn: number }>();
  const revoked: string[] = [];
  const refuse = (code: string) => Object.assign(new Error(code), { code });
  const decoded = (t: { uid: string; auth_time: number; iat: number }) => ({ uid: t.uid, sub: t.uid, auth_time: t.auth_time, iat: t.iat, exp: t.iat + 3600, aud: 'p', iss: 'i', firebase: { identities: {}, sign_in_provider: 'password' } });
  const port: AuthPort = {
    getUser: (async (uid: string) => {
      const u = byUid.get(uid);
      if (!u) throw refuse('auth/user-not-found');
      return { uid, email: u.email, customClaims: u.claims, disabled: u.disabled, tokensValidAfterTime: new Date(u.validSince * 1000).toUTCString() };
    }) as unknown as AuthPort['getUser'],
    verifyIdToken: (async (token: string) => {
      const t = tokens.get(token);
      if (!t) throw refuse('auth/argument-error');
      return decoded(t);
    }) as unknown as AuthPort['verifyIdToken'],
    verifySessionCookie: (async (cookie: string) => {
      const c = cookies.get(cookie);
      if (!c) throw refuse('auth/argument-error');
      return decoded(c);
    }) as unknown as AuthPort['verifySessionCookie'],
    createSessionCookie: async (token: string, { expiresIn }: { expiresIn: number }) => {
      const t = tokens.get(token);
      if (!t) throw refuse('auth/argument-error');
      const cookie = `session.cookie.${cookies.size + 1}`; // JWT-shaped, as Firebase's are
      cookies.set(cookie, { ...t, expiresIn });
      return cookie;
    },
    revokeRefreshTokens: async (uid: string) => {
      revoked.push(uid);
      const u = byUid.get(uid);
      if (u) u.validSince = Math.floor(now() / 1000);
    },
    setCustomUserClaims: async (uid: string, claims: object | null) => {
      const u = byUid.get(uid);
      if (u) u.claims = { ...(claims ?? {}) };
    },
  };
  return {
    port,
    users: byUid,
    revoked,
    cookies,
    /** An ID token for `uid` from a sign-in at `authTime` (seconds). */
    idToken(uid: string, authTime = Math.floor(now() / 1000)) {
      const token = `id-token-${tokens.size + 1}`;
      tokens.set(token, { uid, auth_time: authTime, iat: authTime });
      return token;
    },
  };
}

/** Secret Manager's two calls over versions the test sets; `down` makes every call fail. */
export function memorySecretSource(secrets: Record<string, Array<{ version: string; material: Buffer; enabled?: boolean }>>) {
  const calls = { list: 0, access: 0 };
  const source: SecretSource & { down: boolean; calls: typeof calls } = {
    down: false,
    calls,
    async listEnabledVersions(secretId) {
      calls.list++;
      if (source.down) throw new Error('secret manager down');
      return (secrets[secretId] ?? []).filter((v) => v.enabled !== false).map((v) => v.version).sort((a, b) => Number(b) - Number(a));
    },
    async access(secretId, version) {
      calls.access++;
      if (source.down) throw new Error('secret manager down');
      const v = (secrets[secretId] ?? []).find((s) => s.version === version);
      if (!v) throw new Error(`no version ${version}`);
      return v.material;
    },
  };
  return source;
}

/** Keeps audit events in memory; `failing` makes `record` (lifecycle events) fail as a down Logging would. */
export function memoryAuditSink(): ManagedAuditSink & { events: AuditEvent[]; failing: boolean } {
  const events: AuditEvent[] = [];
  const sink = {
    events,
    failing: false,
    async record(e: AuditEvent) {
      if (sink.failing) throw new Error('logging down');
      events.push(e);
    },
    access(e: AuditEvent) {
      events.push(e);
    },
    async flush() {},
    stats: () => ({ accessLines: 0, buffered: 0, written: events.length, dropped: 0, writes: events.length, failedWrites: 0, failedRecords: 0 }),
    async seal() {},
    async close() {},
  };
  return sink;
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

export const noUseRecorder = { touch: () => undefined, refuse: () => undefined, lastUsed: () => null, tick: () => undefined, flush: async () => undefined };
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

/** A request context as the edge builds it; `rawHeaders` follow `headers` unless given. */
export function info(over: Partial<RequestContext> = {}): RequestContext {
  const rawHeaders = Object.entries(over.headers ?? {}).flatMap(([name, v]) => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).flatMap((x) => [name, x])));
  return {
    rawHeaders,
    requestId: 'r1',
    method: 'GET',
    path: '/v1/me',
    rawQuery: '',
    ip: '203.0.113.9',
    userAgent: 'jest',
    origin: undefined,
    headers: {},
    rawBody: Buffer.alloc(0),
    body: {},
    ...over,
  };
}

export const hmacMaterial = () => randomBytes(32);
