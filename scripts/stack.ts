// The whole local stack: Firestore (official or stand-in), the Secret Manager and Cloud Logging
// emulators (in-process), seeded provider secrets, then `firebase emulators:start` for Auth,
// Functions and Hosting in its own process group. Used by `npm start` (scripts/start.ts) and by the
// integration tests (test/harness/global-setup.ts) on ports that do not collide.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { killGroup, killGroupOnExit, startFirestore, type FirestoreKind } from '../emulators/firestore';
import { startSecretManagerEmulator, type SecretManagerEmulator } from '../emulators/secret-manager';
import { startLoggingEmulator, type LoggingEmulator } from '../emulators/logging';
import { seedProviderSecrets } from './seed-secrets';

export interface StackPorts {
  hosting: number;
  functions: number;
  auth: number;
  firestore: number;
  secretManager: number;
  logging: number;
  /** firebase-tools' own: emulator hub, its logging stream, Eventarc and Cloud Tasks emulators */
  hub: number;
  emulatorLogging: number;
  eventarc: number;
  tasks: number;
}

/** The contract's ports (`npm start`), matching firebase.json. */
export const DEFAULT_PORTS: Readonly<StackPorts> = Object.freeze({
  hosting: 5000,
  functions: 5001,
  auth: 9099,
  firestore: 8080,
  secretManager: 8085,
  logging: 8086,
  hub: 4400,
  emulatorLogging: 4500,
  eventarc: 9299,
  tasks: 9499,
});

/**
 * The test suite's ports: none collides with DEFAULT_PORTS, none is one Chromium refuses.
 * KEYWARD_TEST_PORT_OFFSET shifts them all, so two suites can run side by side on one machine.
 */
const TEST_OFFSET = Number(process.env.KEYWARD_TEST_PORT_OFFSET ?? 0) || 0;
const shifted = (ports: StackPorts): StackPorts =>
  Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, port + TEST_OFFSET])) as unknown as StackPorts;
export const TEST_PORTS: Readonly<StackPorts> = Object.freeze(
  shifted({
    hosting: 5050,
    functions: 5051,
    auth: 9199,
    firestore: 8180,
    secretManager: 8185,
    logging: 8186,
    hub: 4410,
    emulatorLogging: 4510,
    eventarc: 9309,
    tasks: 9509,
  }),
);

export const PORT_NAMES: Readonly<Record<keyof StackPorts, string>> = {
  hosting: 'Hosting',
  functions: 'Functions emulator',
  auth: 'Auth emulator',
  firestore: 'Firestore emulator',
  secretManager: 'Secret Manager emulator',
  logging: 'Cloud Logging emulator',
  hub: 'Firebase emulator hub',
  emulatorLogging: 'Firebase emulator logging',
  eventarc: 'Eventarc emulator',
  tasks: 'Cloud Tasks emulator',
};

export const DEFAULT_PROJECT_ID = 'demo-keyward';
const HOST = '127.0.0.1';
const ROOT = resolve(__dirname, '..');
const READY_TIMEOUT_MS = 90_000;

export interface StackOptions {
  ports: StackPorts;
  projectId?: string;
  /** Extra environment for the functions (the Functions emulator passes its environment through). */
  env?: Record<string, string>;
  /** Do not echo firebase-tools' output (it goes to `.test-stack.<hosting port>.log` instead). */
  quiet?: boolean;
  /** Aborting while the stack starts stops what was started and rejects. */
  signal?: AbortSignal;
}

export interface Stack {
  urls: { hosting: string; functions: string; auth: string; firestore: string; secretManager: string; logging: string };
  /** What a client of this stack (a test, a script) sets in its environment. */
  env: Record<string, string>;
  firestoreKind: FirestoreKind;
  projectId: string;
  ports: StackPorts;
  /** Milliseconds each start phase took, and `total`. */
  timings: Record<string, number>;
  /** The last part of firebase-tools' output (functions' console output included). */
  output(): string;
  /** Counters of the in-process gRPC emulators since start (the benchmarks count calls and log bytes). */
  emulatorStats(): { secretManager: ReturnType<SecretManagerEmulator['stats']>; logging: ReturnType<LoggingEmulator['stats']> };
  stop(): Promise<void>;
}

export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly what: string,
  ) {
    super(`port ${port} (${what}) is already in use`);
    this.name = 'PortInUseError';
  }
}

function portFree(port: number, host = HOST): Promise<boolean> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolvePort(false);
      else reject(err);
    });
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolvePort(true)));
  });
}

/** Throws PortInUseError for the first taken port (and an Error when two roles share a port). */
export async function checkPorts(ports: StackPorts): Promise<void> {
  const seen = new Map<number, string>();
  for (const [key, port] of Object.entries(ports) as [keyof StackPorts, number][]) {
    const what = PORT_NAMES[key];
    if (seen.has(port)) throw new Error(`port ${port} is configured for both ${seen.get(port)} and ${what}`);
    seen.set(port, what);
    if (!(await portFree(port))) throw new PortInUseError(port, what);
  }
}

/** firebase.json, or a copy next to it (`.test-firebase.<hosting>.json`) with every emulator port replaced. */
/**
 * This stack's firebase.json: its ports; the Auth emulator's address added to the console's CSP
 * (the deployed CSP names no emulator); and its own folder of functions .env files, so the
 * settings it runs with (functions/.env's defaults, then `env`) are the ones the Functions emulator
 * resolves its params from.
 */
function firebaseConfigFor(ports: StackPorts, env: Record<string, string>): { file: string; envDir: string } {
  const config = JSON.parse(readFileSync(join(ROOT, 'firebase.json'), 'utf8'));
  const emulators = (config.emulators ??= {});
  const wanted: Record<string, number> = {
    hosting: ports.hosting,
    functions: ports.functions,
    auth: ports.auth,
    hub: ports.hub,
    logging: ports.emulatorLogging,
    eventarc: ports.eventarc,
    tasks: ports.tasks,
  };
  for (const [name, port] of Object.entries(wanted)) emulators[name] = { ...(emulators[name] ?? {}), host: HOST, port };
  for (const rule of config.hosting?.headers ?? []) {
    for (const h of rule.headers ?? []) {
      if (h.key === 'Content-Security-Policy') h.value = withConnectSource(h.value, `http://${HOST}:${ports.auth}`);
    }
  }
  const envDir = join(ROOT, `.test-env.${ports.hosting}`);
  mkdirSync(envDir, { recursive: true });
  writeFileSync(join(envDir, '.env'), stackDotenv(env));
  for (const functions of [config.functions].flat()) functions.configDir = relative(ROOT, envDir);
  const file = join(ROOT, `.test-firebase.${ports.hosting}.json`);
  writeFileSync(file, JSON.stringify(config, null, 2) + '\n');
  return { file, envDir };
}

/** Adds `source` to a CSP's connect-src. */
export function withConnectSource(csp: string, source: string): string {
  return csp
    .split(';')
    .map((d) => (d.trim().startsWith('connect-src') ? `${d.trimEnd()} ${source}` : d))
    .join(';');
}

/** functions/.env with this stack's KEYWARD_* settings in place of the defaults. */
function stackDotenv(env: Record<string, string>): string {
  const lines = readFileSync(join(ROOT, 'functions', '.env'), 'utf8').split('\n');
  const seen = new Set<string>();
  const out = lines.map((line) => {
    const name = /^([A-Z0-9_]+)=/.exec(line)?.[1];
    if (name === undefined || env[name] === undefined) return line;
    seen.add(name);
    return `${name}=${env[name]}`;
  });
  for (const [name, value] of Object.entries(env)) if (name.startsWith('KEYWARD_') && !seen.has(name)) out.push(`${name}=${value}`);
  return out.join('\n');
}

// Emulator addresses a parent shell may carry (for instance from another stack): never inherit them.
const INHERITED_EMULATOR_VARS = [
  'FIRESTORE_EMULATOR_HOST',
  'FIREBASE_AUTH_EMULATOR_HOST',
  'FIREBASE_EMULATOR_HUB',
  'FIREBASE_STORAGE_EMULATOR_HOST',
  'FIREBASE_DATABASE_EMULATOR_HOST',
  'PUBSUB_EMULATOR_HOST',
  'SECRET_MANAGER_EMULATOR_HOST',
  'CLOUD_LOGGING_EMULATOR_HOST',
  'CLOUD_EVENTARC_EMULATOR_HOST',
  'CLOUD_TASKS_EMULATOR_HOST',
  'FIREBASE_CONFIG',
  'GOOGLE_APPLICATION_CREDENTIALS',
];

export async function startStack(opts: StackOptions): Promise<Stack> {
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  let mark = t0;
  const phase = (name: string) => {
    const now = Date.now();
    timings[name] = now - mark;
    mark = now;
  };
  const ports = { ...opts.ports };
  const projectId = opts.projectId ?? DEFAULT_PROJECT_ID;
  await checkPorts(ports);
  phase('portCheck');

  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async () => {
    const errors: unknown[] = [];
    for (const fn of cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length) throw errors[0];
  };

  let outputTail = '';
  try {
    const firestore = await startFirestore({ host: HOST, port: ports.firestore, projectId, rules: join(ROOT, 'firestore.rules') });
    cleanups.push(() => firestore.stop());
    phase('firestore');
    opts.signal?.throwIfAborted();
    const secretManager = await startSecretManagerEmulator({ host: HOST, port: ports.secretManager });
    cleanups.push(() => secretManager.stop());
    const logging = await startLoggingEmulator({ host: HOST, port: ports.logging });
    cleanups.push(() => logging.stop());
    phase('grpcEmulators');

    await seedSecrets(ports.secretManager, projectId);
    phase('seedSecrets');
    opts.signal?.throwIfAborted();

    const urls = {
      hosting: `http://${HOST}:${ports.hosting}`,
      functions: `http://${HOST}:${ports.functions}`,
      auth: `http://${HOST}:${ports.auth}`,
      firestore: `${HOST}:${ports.firestore}`,
      secretManager: `${HOST}:${ports.secretManager}`,
      logging: `${HOST}:${ports.logging}`,
    };
    // The site's URL: the token issuer and the base of the discovery document's endpoints.
    const keywardEnv: Record<string, string> = { KEYWARD_PUBLIC_URL: urls.hosting, ...(opts.env ?? {}) };
    const functionsEnv: Record<string, string> = {
      FIRESTORE_EMULATOR_HOST: urls.firestore,
      SECRET_MANAGER_EMULATOR_HOST: urls.secretManager,
      CLOUD_LOGGING_EMULATOR_HOST: urls.logging,
      GOOGLE_CLOUD_PROJECT: projectId,
      GCLOUD_PROJECT: projectId,
      ...keywardEnv,
    };
    const childEnv: NodeJS.ProcessEnv = { ...process.env };
    for (const name of INHERITED_EMULATOR_VARS) delete childEnv[name];
    Object.assign(childEnv, functionsEnv, {
      // firebase-tools: no update notifier, no message-of-the-day fetch, never a prompt.
      NO_UPDATE_NOTIFIER: '1',
      CI: process.env.CI ?? 'true',
    });
    // No `X-Powered-By` from the emulators' own Express apps (scripts/no-powered-by.cjs).
    childEnv.NODE_OPTIONS = `${childEnv.NODE_OPTIONS ?? ''} --require ${JSON.stringify(join(ROOT, 'scripts', 'no-powered-by.cjs'))}`.trim();
    if (opts.quiet) childEnv.NO_COLOR = '1';
    else if (process.stdout.isTTY && childEnv.FORCE_COLOR === undefined) childEnv.FORCE_COLOR = '1';

    const config = firebaseConfigFor(ports, keywardEnv);
    cleanups.push(() => {
      rmQuiet(config.file);
      rmSync(config.envDir, { recursive: true, force: true });
    });

    let logFile: WriteStream | undefined;
    if (opts.quiet) {
      logFile = createWriteStream(join(ROOT, `.test-stack.${ports.hosting}.log`));
      const lf = logFile;
      cleanups.push(() => new Promise<void>((r) => lf.end(() => r())));
    }

    const firebaseBin = join(ROOT, 'node_modules', '.bin', 'firebase');
    const args = ['emulators:start', '--only', 'auth,functions,hosting', '--project', projectId, '--config', config.file, '--non-interactive'];
    const child = spawn(firebaseBin, args, { cwd: ROOT, env: childEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let exited = false;
    let exitInfo = '';
    child.once('exit', (code, signal) => {
      exited = true;
      exitInfo = signal ? `signal ${signal}` : `code ${code}`;
    });
    const spawnError = new Promise<Error>((r) => child.once('error', r));
    // Last resort if this process goes away without stop(): never leave the group behind.
    const unguard = killGroupOnExit(child, () => exited);
    cleanups.push(async () => {
      await killGroup(child, () => exited, 10_000);
      unguard();
    });

    const onData = (stream: NodeJS.WriteStream) => (b: Buffer) => {
      outputTail = (outputTail + b.toString()).slice(-200_000);
      if (logFile) {
        if (!logFile.writableEnded) logFile.write(b);
      }
      else stream.write(b);
    };
    child.stdout!.on('data', onData(process.stdout));
    child.stderr!.on('data', onData(process.stderr));

    await waitForHealth(`${urls.hosting}/v1/health`, () => (exited ? exitInfo : undefined), spawnError, () => outputTail, opts.signal);
    phase('firebaseEmulators');
    timings.total = Date.now() - t0;

    let stopping: Promise<void> | undefined;
    return {
      urls,
      env: {
        ...functionsEnv,
        FIREBASE_AUTH_EMULATOR_HOST: `${HOST}:${ports.auth}`,
        KEYWARD_BASE_URL: urls.hosting,
      },
      firestoreKind: firestore.kind,
      projectId,
      ports,
      timings,
      output: () => outputTail,
      emulatorStats: () => ({ secretManager: secretManager.stats(), logging: logging.stats() }),
      stop: () => (stopping ??= cleanup()),
    };
  } catch (err) {
    await cleanup().catch(() => undefined);
    throw err;
  }
}

/**
 * For hosts that do not handle signals themselves (jest): on SIGINT/SIGTERM/SIGHUP, stop the stack
 * (firebase-tools runs in its own process group, so a Ctrl-C never reaches it) and then die of the
 * same signal. Returns a function that removes the handlers.
 */
export function stopOnSignals(stack: Pick<Stack, 'stop'>): () => void {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const handler = (sig: NodeJS.Signals) => {
    dispose();
    stack
      .stop()
      .catch(() => undefined)
      .finally(() => process.kill(process.pid, sig));
  };
  const dispose = () => signals.forEach((sig) => process.off(sig, handler));
  signals.forEach((sig) => process.on(sig, handler));
  return dispose;
}

export async function seedSecrets(port: number, projectId: string): Promise<void> {
  // google-gax's own grpc module: its ChannelCredentials are the ones the client's channel accepts.
  const { grpc } = await import('google-gax');
  const { SecretManagerServiceClient } = await import('@google-cloud/secret-manager');
  const client = new SecretManagerServiceClient({
    apiEndpoint: HOST,
    port,
    sslCreds: grpc.credentials.createInsecure(),
    projectId,
    // Without it the client asks the GCE metadata server for the universe domain (a MetadataLookupWarning).
    universeDomain: 'googleapis.com',
  });
  try {
    await seedProviderSecrets(client, projectId);
  } finally {
    await client.close();
  }
}

async function waitForHealth(
  url: string,
  exitedWith: () => string | undefined,
  spawnError: Promise<Error>,
  output: () => string,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let failure: Error | undefined;
  spawnError.then((e) => (failure = e));
  let last: string;
  for (;;) {
    signal?.throwIfAborted();
    if (failure) throw new Error(`could not start firebase emulators: ${failure.message}`);
    const exit = exitedWith();
    if (exit) throw new Error(`firebase emulators:start exited (${exit}) before ${url} answered.\n--- firebase output ---\n${output()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
      await res.body?.cancel();
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `the stack did not answer ${url} with 200 within ${READY_TIMEOUT_MS / 1000} s (last: ${last}).\n--- firebase output ---\n${output()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

function rmQuiet(file: string): void {
  try {
    if (existsSync(file)) unlinkSync(file);
  } catch {
    /* ignore */
  }
}
