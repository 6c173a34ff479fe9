// The function instance under HTTP load, in its own process so that it has a core to itself while
// the load generator (bench/load.ts) and the emulators (the parent) use the other. Started by
// bench/http.ts with fork(); answers a few requests from the parent over IPC.
import { createSign, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { startApp, type BenchApp } from './functions';
import { auditChain } from '../functions/src/audit/chain';
import { prepareEntry } from '../functions/src/audit/entry';

export type ServerOp =
  | { op: 'stats' }
  | { op: 'session-mode'; mode: SessionMode }
  | { op: 'mint-session'; uid: string }
  | { op: 'nonce-floor'; seconds: number; concurrency: number }
  | { op: 'audit-access'; enabled: boolean }
  | { op: 'audit-cost'; entries: number }
  | { op: 'mint-id-token'; uid: string }
  | { op: 'close' };

/**
 * How session cookies are verified. `emulator`: as firebase-admin does under the Auth emulator,
 * where it calls Auth `getUser` on every verifySessionCookie whatever `checkRevoked` says (an HTTP
 * round trip per request that production never makes). `production`: an RS256-signed cookie,
 * verified by firebase-admin's own production path (claims, then the signature with a cached
 * public key: Google's keys are fetched once and cached there too), no Auth call.
 */
export type SessionMode = 'emulator' | 'production';

export interface NonceFloor {
  opsPerSec: number;
  p50Ms: number;
  /** This process's CPU time per claim, µs: the Firestore client's share of a signed request. */
  cpuUsPerOp: number;
  /** Firestore commits per claim: below 1 when claims share commits. */
  commitsPerOp: number;
}

/** What one access entry costs this process: built, redacted, serialized and written to stdout. */
export interface AuditCost {
  cpuUsPerEntry: number;
  entries: number;
  /** Of that, linking the entry into the chain (canonical JSON, SHA-256; audit/chain.ts), measured alone on the same entries. */
  chainCpuUsPerEntry: number;
}

export interface ServerStats {
  keyStore: { reads: number; writes: number };
  nonces: { writes: number; commits: number };
  rateCounters: { reads: number; writes: number };
  audit: { accessLines: number; buffered: number; written: number; dropped: number; writes: number; failedWrites: number };
  /** process.cpuUsage() of the server process, µs. */
  cpu: { user: number; system: number };
}

/** The parts of firebase-admin's Auth and FirebaseTokenVerifier this patch touches (not public API). */
interface TokenVerifierInternals {
  issuer: string;
  verifyJWT(token: string, isEmulator: boolean): Promise<unknown>;
  signatureVerifier: { keyFetcher: { fetchPublicKeys(): Promise<Record<string, string>> } };
}
interface AuthInternals {
  sessionCookieVerifier: TokenVerifierInternals;
  idTokenVerifier: TokenVerifierInternals;
  verifySessionCookie(cookie: string, checkRevoked?: boolean): Promise<unknown>;
  verifyIdToken(token: string, checkRevoked?: boolean): Promise<unknown>;
}

function productionSessions(app: BenchApp) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(20).toString('hex');
  const keys = { [kid]: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
  const auth = app.services.auth() as unknown as AuthInternals;
  const verifier = auth.sessionCookieVerifier;
  const projectId = app.services.config.projectId;
  // Google's keys, as firebase-admin's UrlKeyFetcher holds them once fetched: ours instead.
  verifier.signatureVerifier.keyFetcher = { fetchPublicKeys: () => Promise.resolve(keys) };
  auth.idTokenVerifier.signatureVerifier.keyFetcher = { fetchPublicKeys: () => Promise.resolve(keys) };
  let patched = false;
  const mint = (issuer: string, uid: string): string => {
    const now = Math.floor(Date.now() / 1000);
    const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const header = b64({ alg: 'RS256', kid, typ: 'JWT' });
    const payload = b64({
      iss: `${issuer}${projectId}`,
      aud: projectId,
      auth_time: now,
      user_id: uid,
      sub: uid,
      iat: now,
      exp: now + 3600,
      firebase: { identities: {}, sign_in_provider: 'password' },
    });
    const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(privateKey).toString('base64url');
    return `${header}.${payload}.${signature}`;
  };
  return {
    setMode(mode: SessionMode) {
      if (mode === 'production' && !patched) {
        // firebase-admin's production verification (claims, then RS256 against the fetched keys),
        // without the emulator's forced revocation round trip (Keyward checks revocation itself
        // against its cached user record: credentials/firebase-tokens.ts).
        auth.verifySessionCookie = (cookie: string) => verifier.verifyJWT(cookie, false);
        auth.verifyIdToken = (token: string) => auth.idTokenVerifier.verifyJWT(token, false);
        patched = true;
      } else if (mode === 'emulator' && patched) {
        // back to the prototype's
        delete (auth as Partial<AuthInternals>).verifySessionCookie;
        delete (auth as Partial<AuthInternals>).verifyIdToken;
        patched = false;
      }
    },
    /** A session cookie as Firebase Auth's createSessionCookie makes it, signed with our key. */
    mint: (uid: string) => mint(verifier.issuer, uid),
    /** An ID token as Firebase Auth issues it, signed with our key. */
    mintIdToken: (uid: string) => mint(auth.idTokenVerifier.issuer, uid),
  };
}

/** CPU per access entry, written to this process's stdout (a pipe the parent drains), as a request writes it. */
function auditCost(app: BenchApp, entries: number): AuditCost {
  const event = {
    event: 'auth.success' as const,
    outcome: 'success' as const,
    actor: { uid: 'bench-user-0123456789abcdef', method: 'api_key' as const, keyId: 'AbCdEfGh12345678' },
    request: { ip: '203.0.113.7', userAgent: 'autocannon/9.0 (bench) node/24', method: 'GET', path: '/v1/me', requestId: '' },
  };
  // Every request has its own id (a UUID), as in the app.
  const ids = Array.from({ length: entries + 2000 }, () => randomUUID());
  const withId = (i: number) => ({ ...event, request: { ...event.request, requestId: ids[i]! } });
  for (let i = 0; i < 2000; i++) app.services.audit.access(withId(entries + i)); // JIT
  const cpu = process.cpuUsage();
  for (let i = 0; i < entries; i++) app.services.audit.access(withId(i));
  const used = process.cpuUsage(cpu);
  // The chain's share: the same entries, prepared beforehand, linked into a chain of their own.
  const chain = auditChain();
  const prepared = Array.from({ length: entries }, (_, i) => prepareEntry(withId(i), Date.now(), `bench-${i}`));
  const contents = prepared.map((p) => ({ timestamp: p.timestamp.toISOString(), severity: p.severity, payload: p.payload as unknown as Record<string, unknown> }));
  for (let i = 0; i < Math.min(2000, entries); i++) auditChain().link(contents[i]!); // JIT
  const chainCpu = process.cpuUsage();
  for (let i = 0; i < entries; i++) {
    // What the sink does per entry: the time as ISO text, then the link.
    const p = prepared[i]!;
    chain.link({ ...contents[i]!, timestamp: p.timestamp.toISOString() });
  }
  const chainUsed = process.cpuUsage(chainCpu);
  return { cpuUsPerEntry: (used.user + used.system) / entries, entries, chainCpuUsPerEntry: (chainUsed.user + chainUsed.system) / entries };
}

/**
 * The floor under signed requests: each one spends its nonce in Firestore (claims that arrive
 * together share one commit, store/nonces.ts). This runs those claims alone, from this instance
 * at the load generator's concurrency.
 */
async function nonceFloor(app: BenchApp, seconds: number, concurrency: number): Promise<NonceFloor> {
  const latencies: number[] = [];
  const commitsBefore = app.services.nonces.stats.commits;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const end = start + seconds * 1000;
  const expireAt = Date.now() + 600_000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await app.services.nonces.claim('benchNonceFloor', randomBytes(24).toString('base64url'), expireAt);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  const commits = app.services.nonces.stats.commits - commitsBefore;
  return {
    commitsPerOp: commits / latencies.length,
    opsPerSec: latencies.length / ((performance.now() - start) / 1000),
    p50Ms: latencies[Math.floor(latencies.length / 2)] ?? NaN,
    cpuUsPerOp: (used.user + used.system) / latencies.length,
  };
}

async function main(): Promise<void> {
  // tsx (which runs this file) turns on source maps for stack traces; a deployed function runs
  // plain node without them. Off, so that stack captures (the Firestore client takes one per
  // commit) cost what they cost in production.
  process.setSourceMapsEnabled(false);
  const app = await startApp(process.env);
  const sessions = productionSessions(app);
  const s = app.services;
  const auditAccess = s.audit.access;
  const handle = async (msg: ServerOp): Promise<unknown> => {
    switch (msg.op) {
      case 'stats':
        return {
          keyStore: { ...s.keyStore.stats },
          nonces: { ...s.nonces.stats },
          rateCounters: { ...s.rateCounters.stats },
          audit: s.audit.stats(),
          cpu: process.cpuUsage(),
        } satisfies ServerStats;
      case 'session-mode':
        sessions.setMode(msg.mode);
        return null;
      case 'mint-session':
        return sessions.mint(msg.uid);
      case 'mint-id-token':
        return sessions.mintIdToken(msg.uid);
      case 'audit-cost':
        return auditCost(app, msg.entries);
      case 'audit-access':
        // Diagnostic only: what the per-request audit entry costs (the same run without it).
        s.audit.access = msg.enabled ? auditAccess : () => undefined;
        return null;
      case 'nonce-floor':
        return nonceFloor(app, msg.seconds, msg.concurrency);
      case 'close':
        await app.close();
        setImmediate(() => process.exit(0));
        return null;
    }
  };
  process.on('message', (raw: { id: number } & ServerOp) => {
    handle(raw).then(
      (value) => process.send!({ id: raw.id, ok: true, value }),
      (err: Error) => process.send!({ id: raw.id, ok: false, error: String(err?.stack ?? err) }),
    );
  });
  // The parent went away (crashed, killed): never linger.
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0)); // an orderly exit: --cpu-prof writes its profile then
  process.send!({ id: 0, ok: true, value: { url: app.url } });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
