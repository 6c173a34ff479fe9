// A host project (test/fixtures/host-project) that installed Keyward as a function kit, copied
// out of the repository with the packed keyward-functions tarball installed, and run as its
// developer would (docs/kit.md): `npx keyward-emulators` for Secret Manager and Logging, the
// Firestore stand-in, and `firebase emulators:start` for Auth, Functions and Hosting. Its ports are
// the test stack's shifted by HOST_SHIFT, so it runs beside the main stack.
import { execFile, spawn } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { killGroup, killGroupOnExit, startFirestore } from '../../emulators/firestore';
import { checkPorts, TEST_PORTS, type StackPorts } from '../../scripts/stack';
import { eventually } from './eventually';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'host-project');
const HOST = '127.0.0.1';
/** Odd, so it meets no other stack's offset (those are multiples of 50 or 100). */
const HOST_SHIFT = 37;
export const HOST_PROJECT_ID = 'demo-host';
export const HOST_PORTS: Readonly<StackPorts> = Object.freeze(
  Object.fromEntries(Object.entries(TEST_PORTS).map(([name, port]) => [name, port + HOST_SHIFT])) as unknown as StackPorts,
);

export interface HostStack {
  dir: string;
  /** Files in the packed tarball. */
  packed: string[];
  hosting: string;
  functions: string;
  auth: string;
  /** The URL of one of the host's functions in the Functions emulator. */
  functionUrl(name: string): string;
  output(): string;
  stop(): Promise<void>;
}

/** Spawns `cmd` in its own process group; resolves once its output matches `ready`. */
function startProcess(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }, log: (s: string) => void) {
  const child = spawn(cmd, args, { ...opts, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let exited = false;
  child.once('exit', () => (exited = true));
  const unguard = killGroupOnExit(child, () => exited);
  let out = '';
  const onData = (b: Buffer) => {
    out += b.toString();
    log(b.toString());
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  return {
    child,
    output: () => out,
    exited: () => exited,
    stop: async () => {
      await killGroup(child, () => exited, 10_000);
      unguard();
    },
  };
}

export async function startHostStack(env: Record<string, string>): Promise<HostStack> {
  const ports = { ...HOST_PORTS };
  await checkPorts(ports);
  const dir = await mkdtemp(join(tmpdir(), 'keyward-host-'));
  const stops: Array<() => Promise<void>> = [async () => rm(dir, { recursive: true, force: true })];
  let log = '';
  const append = (s: string) => (log = (log + s).slice(-100_000));
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
  };
  try {
    cpSync(FIXTURE, dir, { recursive: true });
    // `npm test` has just built functions/lib; prepack would build it again.
    const packedOut = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: join(ROOT, 'functions') });
    const [{ filename, files }] = JSON.parse(packedOut.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    for (const manifest of ['package.json', 'functions/package.json', 'keyward/package.json']) {
      const path = join(dir, manifest);
      writeFileSync(path, readFileSync(path, 'utf8').replaceAll('KEYWARD_TARBALL', filename));
    }
    // One install at the project's root: both codebases resolve their packages from it.
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], { cwd: dir, timeout: 240_000 });

    const config = JSON.parse(readFileSync(join(dir, 'firebase.json'), 'utf8'));
    const wanted = { hosting: ports.hosting, functions: ports.functions, auth: ports.auth, hub: ports.hub, logging: ports.emulatorLogging, eventarc: ports.eventarc, tasks: ports.tasks };
    for (const [name, port] of Object.entries(wanted)) config.emulators[name] = { host: HOST, port };
    writeFileSync(join(dir, 'firebase.json'), JSON.stringify(config, null, 2));

    const firestore = await startFirestore({ host: HOST, port: ports.firestore, projectId: HOST_PROJECT_ID });
    stops.push(() => firestore.stop());

    const baseEnv: NodeJS.ProcessEnv = { ...process.env };
    for (const name of Object.keys(baseEnv)) if (/_EMULATOR_HOST$|^FIREBASE_CONFIG$|^GOOGLE_APPLICATION_CREDENTIALS$|^GOOGLE_CLOUD_PROJECT$|^GCLOUD_PROJECT$|^KEYWARD_/.test(name)) delete baseEnv[name];
    // The command docs/kit.md gives the host project.
    const grpc = startProcess(
      join(dir, 'node_modules', '.bin', 'keyward-emulators'),
      ['--project', HOST_PROJECT_ID, '--secret-manager-port', String(ports.secretManager), '--logging-port', String(ports.logging)],
      { cwd: dir, env: baseEnv },
      append,
    );
    stops.push(grpc.stop);
    const seeded = await eventually(() => /CLOUD_LOGGING_EMULATOR_HOST=/.test(grpc.output()) || grpc.exited(), Boolean, { timeoutMs: 30_000 });
    if (!seeded || grpc.exited()) throw new Error(`keyward-emulators did not start:\n${grpc.output()}`);

    const firebase = startProcess(
      join(ROOT, 'node_modules', '.bin', 'firebase'),
      ['emulators:start', '--only', 'auth,functions,hosting', '--project', HOST_PROJECT_ID, '--non-interactive'],
      {
        cwd: dir,
        env: {
          ...baseEnv,
          ...env,
          FIRESTORE_EMULATOR_HOST: `${HOST}:${ports.firestore}`,
          SECRET_MANAGER_EMULATOR_HOST: `${HOST}:${ports.secretManager}`,
          CLOUD_LOGGING_EMULATOR_HOST: `${HOST}:${ports.logging}`,
          NO_UPDATE_NOTIFIER: '1',
          CI: process.env.CI ?? 'true',
          NO_COLOR: '1',
        },
      },
      append,
    );
    stops.push(firebase.stop);
    const functions = `http://${HOST}:${ports.functions}`;
    const functionUrl = (name: string) => `${functions}/${HOST_PROJECT_ID}/us-central1/${name}`;
    const hosting = `http://${HOST}:${ports.hosting}`;
    const up = (url: string) => fetch(url, { signal: AbortSignal.timeout(3000) }).then((r) => (r.body?.cancel(), r.status === 200), () => false);
    const ready = await eventually(
      async () => firebase.exited() || ((await up(`${hosting}/v1/health`)) && (await up(`${functionUrl('kit-partner-keys-api')}/v1/health`))),
      Boolean,
      { timeoutMs: 120_000, everyMs: 300 },
    );
    if (!ready || firebase.exited()) throw new Error(`the host project's emulators did not come up:\n${log}`);
    return { dir, packed: files.map((f) => f.path), hosting, functions, auth: `http://${HOST}:${ports.auth}`, functionUrl, output: () => log, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
