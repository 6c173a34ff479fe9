// Dependencies failing mid-run. This file runs its own Secret Manager, Cloud Logging and Firestore
// emulators on free ports and the real app in this process against them (the shared stack's Auth
// emulator gives the ID tokens), so it can stop and restart each one without disturbing the
// other test files. What a user relies on (the README, Errors): Keyward fails closed with 503
// `unavailable` and the contract's JSON, quickly rather than hanging; nothing is half-written; a
// warm Secret Manager cache keeps serving through an outage; service resumes when the dependency
// returns. The emulators keep their data in memory, so a restarted Firestore or Logging starts
// empty; a restarted Secret Manager is given back the same secret versions, as the real one keeps them.
import { createServer, type Server, type Socket } from 'node:net';
import { deleteApp, getApps } from 'firebase-admin/app';
import { grpc } from 'google-gax';
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { startFirestore, type FirestoreHandle } from '../../../emulators/firestore';
import { startLoggingEmulator, type LoggingEmulator } from '../../../emulators/logging';
import { startSecretManagerEmulator, type SecretManagerEmulator } from '../../../emulators/secret-manager';
import { formatKey, newKeyId, newSecret } from '../../../functions/src/keys/format';
import { PROVIDER_SECRETS, seedProviderSecrets } from '../../../scripts/seed-secrets';
import { adminDb } from '../../harness/admin';
import { createUser, type TestUser } from '../../harness/auth';
import { eventually, passes, reached } from '../../harness/eventually';
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import { freePort, TEST_PROJECT_ID } from '../../harness/ports';
import { contractError, send, type Reply } from './support';

// No metadata-server probe from google-auth-library in this process.
process.env.METADATA_SERVER_DETECTION ??= 'none';

const HOST = '127.0.0.1';
const PROJECT = process.env.GOOGLE_CLOUD_PROJECT ?? TEST_PROJECT_ID;
/** KEYWARD_DEPENDENCY_TIMEOUT_MS of the apps here: the longest wait on Firestore or Secret Manager. */
const DEPENDENCY_TIMEOUT_MS = 1500;
/** KEYWARD_AUDIT_WRITE_TIMEOUT_MS: the longest wait on a lifecycle audit write. */
const AUDIT_WRITE_TIMEOUT_MS = 1000;
/** KEYWARD_CACHE_TTL_MS: key records are served from memory at most this long. */
const CACHE_TTL_MS = 4000;
/** KEYWARD_SECRETS_TTL_MS: provider secret versions are listed again this often. */
const SECRETS_TTL_MS = 500;
/** "Quickly": the configured wait plus room for the request itself on a busy machine. */
const SLACK_MS = 1500;

/** Starts a server on a port that was just released (the OS may take a moment to free it). */
function restartOn<T>(start: () => Promise<T>): Promise<T> {
  return passes(start, { timeoutMs: 3000 });
}

function secretManagerClient(port: number): SecretManagerServiceClient {
  return new SecretManagerServiceClient({
    apiEndpoint: HOST,
    port,
    sslCreds: grpc.credentials.createInsecure(),
    projectId: PROJECT,
    universeDomain: 'googleapis.com',
    // Its own connection: grpc-js otherwise shares one with the app's client, which may still be
    // waiting out its reconnect backoff from the outage when the emulator is back.
    'grpc.use_local_subchannel_pool': 1,
  } as ConstructorParameters<typeof SecretManagerServiceClient>[0]);
}

/** The provider secrets' versions (payloads in version order), to give a restarted emulator the same secrets. */
type SecretCopy = Map<string, Buffer[]>;

async function copySecrets(port: number): Promise<SecretCopy> {
  const client = secretManagerClient(port);
  const copy: SecretCopy = new Map();
  try {
    for (const secretId of PROVIDER_SECRETS) {
      const [versions] = await client.listSecretVersions({ parent: `projects/${PROJECT}/secrets/${secretId}` });
      const numbers = versions.map((v) => Number(String(v.name).split('/').pop())).sort((a, b) => a - b);
      const payloads: Buffer[] = [];
      for (const n of numbers) {
        const [res] = await client.accessSecretVersion({ name: `projects/${PROJECT}/secrets/${secretId}/versions/${n}` });
        payloads.push(Buffer.from(res.payload!.data as Uint8Array));
      }
      copy.set(secretId, payloads);
    }
  } finally {
    await client.close();
  }
  return copy;
}

async function restoreSecrets(port: number, copy: SecretCopy): Promise<void> {
  const client = secretManagerClient(port);
  try {
    for (const [secretId, payloads] of copy) {
      await client.createSecret({ parent: `projects/${PROJECT}`, secretId, secret: { replication: { automatic: {} } } });
      for (const data of payloads) await client.addSecretVersion({ parent: `projects/${PROJECT}/secrets/${secretId}`, payload: { data } });
    }
  } finally {
    await client.close();
  }
}

/** A TCP server that accepts connections and never answers: a dependency that hangs. */
async function blackhole(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const srv: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => srv.listen(0, HOST, r));
  return {
    port: (srv.address() as { port: number }).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}

const ports = { firestore: 0, secretManager: 0, logging: 0 };
let firestore: FirestoreHandle | undefined;
let secretManager: SecretManagerEmulator | undefined;
let logging: LoggingEmulator | undefined;
let env: Record<string, string>;
/** The app under test, warm: it has served requests before each outage. */
let main: InProcessApp;
const apps: InProcessApp[] = [];
/** What the apps report for operators, one JSON line each on stderr: kept quiet here, and read. */
let stderr: jest.SpyInstance;
/** Lines of a fault that reached a response as a 500 (http/handler.ts logs each one). */
const unhandled = () => stderr.mock.calls.map(([line]) => String(line)).filter((line) => line.includes('"unhandled error"'));

/** Another instance of the same app: its own caches and clients, nothing loaded yet. */
async function coldInstance(overrides: Record<string, string> = {}): Promise<InProcessApp> {
  const app = await startInProcessApp({ ...env, ...overrides });
  apps.push(app);
  return app;
}

const bearer = (user: TestUser) => ({ authorization: `Bearer ${user.idToken}` });
const json = (user: TestUser) => ({ ...bearer(user), 'content-type': 'application/json' });
const me = (app: InProcessApp, key: string) => send(`${app.url}/v1/me`, { headers: { 'x-api-key': key } });
const createOn = (app: InProcessApp, user: TestUser, name: string) =>
  send(`${app.url}/v1/keys`, { method: 'POST', headers: json(user), body: JSON.stringify({ name }) });

async function createKey(app: InProcessApp, user: TestUser, name: string): Promise<{ id: string; key: string }> {
  const res = await createOn(app, user, name);
  if (res.status !== 201) throw new Error(`create key: ${res.status} ${res.text}`);
  return res.json;
}

/** The key records Firestore holds for a user (read directly, as an operator would). */
interface StoredKey {
  keyId: string;
  name: string;
  revokedAt: number | null;
  regeneratedAt: number | null;
  secrets: unknown[];
}
async function storedKeys(uid: string): Promise<StoredKey[]> {
  const snap = await adminDb().collection('apiKeys').where('ownerUid', '==', uid).get();
  return snap.docs.map((d) => d.data() as StoredKey);
}

/** 503 `unavailable` in the contract's shape, with Retry-After, within `withinMs`. */
function expectUnavailable(res: Reply, withinMs: number): void {
  expect({ status: res.status, code: contractError(res) }).toEqual({ status: 503, code: 'unavailable' });
  expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(res.ms).toBeLessThan(withinMs);
}

beforeAll(async () => {
  stderr = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  ports.firestore = await freePort();
  ports.secretManager = await freePort();
  ports.logging = await freePort();
  firestore = await startFirestore({ host: HOST, port: ports.firestore, projectId: PROJECT });
  secretManager = await startSecretManagerEmulator({ host: HOST, port: ports.secretManager });
  logging = await startLoggingEmulator({ host: HOST, port: ports.logging });
  const seeding = secretManagerClient(ports.secretManager);
  await seedProviderSecrets(seeding, PROJECT);
  await seeding.close();
  // firebase-admin's Firestore reads FIRESTORE_EMULATOR_HOST from process.env when it is created
  // (lazily, on first use), not from the env handed to the app: point this file's process at our
  // own Firestore (jest gives each test file its own copy of process.env). The harness's adminDb() follows.
  process.env.FIRESTORE_EMULATOR_HOST = `${HOST}:${ports.firestore}`;
  env = {
    FIRESTORE_EMULATOR_HOST: `${HOST}:${ports.firestore}`,
    SECRET_MANAGER_EMULATOR_HOST: `${HOST}:${ports.secretManager}`,
    CLOUD_LOGGING_EMULATOR_HOST: `${HOST}:${ports.logging}`,
    KEYWARD_DEPENDENCY_TIMEOUT_MS: String(DEPENDENCY_TIMEOUT_MS),
    KEYWARD_AUDIT_WRITE_TIMEOUT_MS: String(AUDIT_WRITE_TIMEOUT_MS),
    KEYWARD_CACHE_TTL_MS: String(CACHE_TTL_MS),
    // Provider secrets are listed again every 500 ms, so an outage always finds a refresh due.
    KEYWARD_SECRETS_TTL_MS: String(SECRETS_TTL_MS),
    // Usage counts are written when a test flushes them, never on a timer during an outage: the
    // Firestore client retries a write it could not send for up to 10 minutes, and one left
    // retrying against this file's stopped emulator kept the test process alive that long.
    KEYWARD_USAGE_FLUSH_MS: '3600000',
  };
  main = await coldInstance();
});

afterEach(() => {
  // Every failure above was one the app expected and answered with its 503, never an unhandled fault.
  expect(unhandled()).toEqual([]);
});

afterAll(async () => {
  for (const app of apps) await app.close();
  // Pending access lines out while Logging is up (a test that stopped it has restarted it).
  for (const app of apps) await app.services.audit.close();
  await Promise.all(getApps().map((a) => deleteApp(a)));
  await firestore?.stop();
  await secretManager?.stop();
  await logging?.stop();
  stderr.mockRestore();
});

describe('Secret Manager down', () => {
  it('a warm instance keeps verifying and creating keys; a cold one fails closed with 503; both recover', async () => {
    const user = await createUser();
    const before = await createKey(main, user, 'before the outage');
    expect((await me(main, before.key)).status).toBe(200);
    expect((await send(`${main.url}/.well-known/jwks.json`)).status).toBe(200); // the token signing secret, loaded

    const copy = await copySecrets(ports.secretManager);
    await secretManager!.stop();
    try {
      await reached(Date.now() + SECRETS_TTL_MS); // the versions' refresh is due, and fails in the background
      // Warm: the last good versions keep serving, for verification and for new keys alike.
      const warmMe = await me(main, before.key);
      expect([warmMe.status, warmMe.json?.auth?.keyId]).toEqual([200, before.id]);
      const during = await createKey(main, user, 'during the outage');
      expect((await me(main, during.key)).status).toBe(200);
      expect((await send(`${main.url}/.well-known/jwks.json`)).status).toBe(200);

      // Cold: nothing to verify with, so nothing is let through, and nothing is created.
      const cold = await coldInstance();
      const [coldMe, coldJwks, coldCreate, coldIssue] = await Promise.all([
        me(cold, before.key),
        send(`${cold.url}/.well-known/jwks.json`),
        createOn(cold, user, 'refused'),
        send(`${cold.url}/v1/auth/issue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api_key: before.key }) }),
      ]);
      for (const res of [coldMe, coldJwks, coldCreate, coldIssue]) expectUnavailable(res, DEPENDENCY_TIMEOUT_MS + SLACK_MS);
      // A malformed key needs no dependency: still the plain 401.
      const malformed = await me(cold, 'server_notakey_0000');
      expect([malformed.status, contractError(malformed)]).toEqual([401, 'invalid_credential']);
      expect((await storedKeys(user.uid)).map((k) => k.name).sort()).toEqual(['before the outage', 'during the outage']);

      secretManager = await restartOn(() => startSecretManagerEmulator({ host: HOST, port: ports.secretManager }));
      await restoreSecrets(ports.secretManager, copy);
      // The cold instance recovers on its own (its gRPC channel reconnects with backoff), and
      // verifies the key the warm one made during the outage: it was made with the real secret.
      const recovered = await eventually(() => me(cold, during.key), (r) => r.status === 200, { timeoutMs: 15_000 });
      expect([recovered.status, recovered.json?.auth?.keyId]).toEqual([200, during.id]);
      expect((await me(cold, before.key)).status).toBe(200);
      expect((await send(`${cold.url}/.well-known/jwks.json`)).status).toBe(200);
    } finally {
      if (!(await isListening(ports.secretManager))) {
        secretManager = await restartOn(() => startSecretManagerEmulator({ host: HOST, port: ports.secretManager }));
        await restoreSecrets(ports.secretManager, copy);
      }
    }
  });

  it('one that accepts connections but never answers fails a cold instance closed within the dependency timeout', async () => {
    const user = await createUser();
    const key = await createKey(main, user, 'hung secret store');
    const hung = await blackhole();
    try {
      // Without a deadline the Secret Manager client waits 60 s per call: every request would hang.
      const cold = await coldInstance({ SECRET_MANAGER_EMULATOR_HOST: `${HOST}:${hung.port}` });
      const [a, b] = await Promise.all([me(cold, key.key), send(`${cold.url}/.well-known/jwks.json`)]);
      expectUnavailable(a, DEPENDENCY_TIMEOUT_MS + SLACK_MS);
      expectUnavailable(b, DEPENDENCY_TIMEOUT_MS + SLACK_MS);
      expect(a.ms).toBeGreaterThanOrEqual(DEPENDENCY_TIMEOUT_MS - 100); // it did wait for the answer, then gave up
    } finally {
      await hung.close();
    }
  });
});

describe('Cloud Logging down', () => {
  it('key changes fail closed and leave nothing behind (a revocation excepted: it stands), requests still authenticate, and the trail catches up', async () => {
    const user = await createUser();
    const key = await createKey(main, user, 'kept');
    const revokedAnyway = await createKey(main, user, 'revoked anyway');
    const stored = (await storedKeys(user.uid)).find((k) => k.keyId === key.id);
    await logging!.stop();
    let duringMe!: Reply;
    let refused!: Reply[];
    try {
      refused = [
        await createOn(main, user, 'not audited'),
        await send(`${main.url}/v1/keys/${key.id}/regenerate`, { method: 'POST', headers: json(user), body: '{}' }),
      ];
      for (const res of refused) expectUnavailable(res, AUDIT_WRITE_TIMEOUT_MS + SLACK_MS);
      // A revocation is never undone: a leaked key dies even while the log is down (the failed
      // entry goes to the operators' error log).
      const revoked = await send(`${main.url}/v1/keys/${revokedAnyway.id}`, { method: 'DELETE', headers: bearer(user) });
      expect([revoked.status, revoked.json.status]).toEqual([200, 'revoked']);
      expect((await me(main, revokedAnyway.key)).status).toBe(401);
      // Nothing half-done: no new key, the kept one not given a new secret.
      expect(await storedKeys(user.uid)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ keyId: key.id, name: 'kept', revokedAt: null, regeneratedAt: null, secrets: stored!.secrets }),
          expect.objectContaining({ keyId: revokedAnyway.id, revokedAt: expect.any(Number) }),
        ]),
      );
      expect(await storedKeys(user.uid)).toHaveLength(2);
      const view = await send(`${main.url}/v1/keys/${key.id}`, { headers: bearer(user) });
      expect(view.json).toMatchObject({ status: 'active', regeneratedAt: null });
      // Authentication does not wait on the log (each access entry is a line, written at once).
      duringMe = await me(main, key.key);
      expect(duringMe.status).toBe(200);
      expect(duringMe.ms).toBeLessThan(SLACK_MS);
      // Reading the trail fails closed too: locally it first tries once to deliver the pending
      // access lines (a write in flight, then its own, each bounded by the write timeout), then
      // reads (twice that).
      expectUnavailable(await send(`${main.url}/v1/audit`, { headers: bearer(user) }), 4 * AUDIT_WRITE_TIMEOUT_MS + SLACK_MS);
    } finally {
      logging = await restartOn(() => startLoggingEmulator({ host: HOST, port: ports.logging }));
      // The app's Logging client reconnects with backoff: wait for it, so the next test starts healthy.
      await eventually(() => send(`${main.url}/v1/audit`, { headers: bearer(user) }), (r) => r.status === 200, { timeoutMs: 15_000 });
    }

    const after = await eventually(() => createOn(main, user, 'after the outage'), (r) => r.status === 201, { timeoutMs: 15_000 });
    expect(after.status).toBe(201);
    // The restarted emulator starts empty: what it holds now is what reached it after the outage.
    const trail = await eventually(
      () => send(`${main.url}/v1/audit?pageSize=1000`, { headers: bearer(user) }),
      (r) => r.status === 200 && (r.json.entries as Array<{ request: { requestId?: string } }>).some((e) => e.request.requestId === duringMe.headers.get('x-request-id')),
      { timeoutMs: 10_000 },
    );
    expect(trail.status).toBe(200);
    const entries = trail.json.entries as Array<{ event: string; request: { requestId?: string } }>;
    const byRequest = (res: Reply) => entries.filter((e) => e.request.requestId === res.headers.get('x-request-id')).map((e) => e.event);
    // The request served during the outage reached the trail once Logging was back (in
    // production the platform delivers stdout lines; locally the transport retries).
    expect(byRequest(duringMe)).toEqual(['auth.success']);
    expect(byRequest(after)).toEqual(expect.arrayContaining(['key.create']));
    // The refused changes: authenticated, and nothing else recorded for them.
    for (const res of refused) expect(byRequest(res).filter((e) => e.startsWith('key.'))).toEqual([]);
  });
});

describe('Firestore down', () => {
  it('cached keys verify until the cache bound and never after; everything else is a 503; nothing is written; service resumes', async () => {
    const user = await createUser();
    const key = await createKey(main, user, 'cached');
    const cold = await coldInstance(); // has never read the key record
    expect((await me(main, key.key)).status).toBe(200);
    // The use's lastUsedAt write has landed: no write of ours is in flight when Firestore stops.
    await main.services.useRecorder.flush();
    expect((await adminDb().collection('apiKeys').doc(key.id).get()).get('lastUsedAt')).toEqual(expect.any(Number));

    await firestore!.stop();
    const stoppedAt = Date.now();
    try {
      // Served from memory: the record was loaded less than CACHE_TTL_MS ago.
      const cached = await me(main, key.key);
      expect([cached.status, cached.json?.auth?.keyId]).toEqual([200, key.id]);

      const unknownId = newKeyId();
      const unknown = formatKey({ type: 'server', keyId: unknownId, secret: newSecret('server', unknownId) });
      const replies = await Promise.all([
        me(cold, key.key), // not cached here: cannot be verified, so it is not let through (nor called invalid)
        me(main, unknown), // a well-formed key nobody knows: cannot be told from a valid one without the datastore
        createOn(main, user, 'during the Firestore outage'),
        send(`${main.url}/v1/keys`, { headers: bearer(user) }),
        send(`${main.url}/v1/keys/${key.id}`, { method: 'DELETE', headers: bearer(user) }),
        send(`${main.url}/v1/auth/issue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api_key: key.key }) }),
      ]);
      for (const res of replies) expectUnavailable(res, DEPENDENCY_TIMEOUT_MS + SLACK_MS);
      const malformed = await me(main, 'server_notakey_0000'); // refused without the datastore
      expect([malformed.status, contractError(malformed)]).toEqual([401, 'invalid_credential']);

      // The cached record keeps serving until CACHE_TTL_MS after it was loaded (before stoppedAt),
      // then the key fails closed: 503, never 401, never 200 again while Firestore is down.
      const seen: Array<{ at: number; status: number }> = [];
      const giveUpAt = stoppedAt + CACHE_TTL_MS + DEPENDENCY_TIMEOUT_MS + 3 * SLACK_MS;
      const observe = async () => {
        const res = await me(main, key.key);
        seen.push({ at: Date.now() - res.ms - stoppedAt, status: res.status });
        if (res.status !== 200) expectUnavailable(res, DEPENDENCY_TIMEOUT_MS + SLACK_MS);
        return seen.filter((s) => s.status === 503).length;
      };
      await eventually(observe, (refusals) => refusals >= 2, { timeoutMs: giveUpAt - Date.now(), everyMs: 200 });
      expect(new Set(seen.map((s) => s.status))).toEqual(new Set([200, 503]));
      const lastOk = Math.max(...seen.filter((s) => s.status === 200).map((s) => s.at));
      const firstRefusal = Math.min(...seen.filter((s) => s.status === 503).map((s) => s.at));
      expect(lastOk).toBeLessThan(CACHE_TTL_MS);
      expect(firstRefusal).toBeGreaterThan(lastOk);
      expect(seen.filter((s) => s.at > firstRefusal).every((s) => s.status === 503)).toBe(true);
    } finally {
      firestore = await restartOn(() => startFirestore({ host: HOST, port: ports.firestore, projectId: PROJECT }));
    }

    // Service resumes (the restarted emulator is empty: the old key's record went with it).
    const after = await eventually(() => createOn(main, user, 'after the Firestore outage'), (r) => r.status === 201, { timeoutMs: 15_000 });
    expect(after.status).toBe(201);
    // The other instance too (until its first read gets through, it keeps answering 503).
    const resumed = await eventually(() => me(cold, after.json.key), (r) => r.status === 200, { timeoutMs: 15_000 });
    expect(resumed.status).toBe(200);
    // Nothing from the outage shows up later: a write the Firestore client were still retrying would
    // reach the restarted emulator, so the store is read again once a retry has had its chance.
    const list = await send(`${main.url}/v1/keys`, { headers: bearer(user) });
    expect((list.json.keys as Array<{ name: string }>).map((k) => k.name)).toEqual(['after the Firestore outage']);
    await reached(Date.now() + DEPENDENCY_TIMEOUT_MS);
    expect((await storedKeys(user.uid)).map((k) => k.name)).toEqual(['after the Firestore outage']);
  });
});

async function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(true));
    probe.listen({ port, host: HOST, exclusive: true }, () => probe.close(() => resolve(false)));
  });
}
