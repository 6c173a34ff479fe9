// Firestore for the local stack: the official emulator where it can run (Java >= 21 and its JAR in
// ~/.cache/firebase/emulators, put there by `firebase setup:emulators:firestore`), otherwise the
// in-process stand-in `@firestore-emulator/server` (see ENVIRONMENT.md for what it does and does not honour).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type FirestoreKind = 'official' | 'stand-in';

export interface FirestoreHandle {
  port: number;
  kind: FirestoreKind;
  stop(): Promise<void>;
}

export interface StartFirestoreOptions {
  host?: string;
  port: number;
  projectId: string;
  /** Rules file for the official emulator (the stand-in cannot evaluate rules). */
  rules?: string;
  /** Seconds to wait for the official emulator to answer (default 60). */
  timeoutSeconds?: number;
}

const MIN_JAVA = 21;

/** Major version of the `java` on PATH, or undefined when there is none. */
export function javaMajorVersion(): number | undefined {
  const r = spawnSync('java', ['-version'], { encoding: 'utf8', timeout: 15000 });
  if (r.error || r.status !== 0) return undefined;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(`${r.stderr}${r.stdout}`);
  if (!m) return undefined;
  const major = Number(m[1]);
  return major === 1 ? Number(m[2]) : major; // "1.8.0" style
}

/** The newest cloud-firestore-emulator*.jar in the firebase-tools cache, if any. */
export function findFirestoreJar(): string | undefined {
  const dir = join(homedir(), '.cache', 'firebase', 'emulators');
  if (!existsSync(dir)) return undefined;
  const jars = readdirSync(dir)
    .filter((f) => /^cloud-firestore-emulator.*\.jar$/.test(f))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return jars.length ? join(dir, jars[jars.length - 1]) : undefined;
}

/** True when the official Firestore emulator can run here (real transaction isolation, rules). */
export function officialFirestoreAvailable(): boolean {
  if (process.env.KEYWARD_FIRESTORE === 'stand-in') return false;
  const java = javaMajorVersion();
  return java !== undefined && java >= MIN_JAVA && findFirestoreJar() !== undefined;
}

export async function startFirestore(opts: StartFirestoreOptions): Promise<FirestoreHandle> {
  const host = opts.host ?? '127.0.0.1';
  if (officialFirestoreAvailable()) return startOfficial(host, opts);
  return startStandIn(host, opts.port);
}

async function startStandIn(host: string, port: number): Promise<FirestoreHandle> {
   
  const { FirestoreServer } = require('@firestore-emulator/server') as typeof import('@firestore-emulator/server');
  const server = new FirestoreServer();
  // FirestoreServer.start() binds 0.0.0.0; bind the wrapped grpc Server to the requested host instead.
  type Bind = (address: string, creds: unknown, cb: (err: Error | null, port: number) => void) => void;
  const grpcServer = (server as unknown as { server?: { bindAsync?: Bind } }).server;
  if (typeof grpcServer?.bindAsync === 'function') {
     
    const { ServerCredentials } = require(require.resolve('@grpc/grpc-js', {
      paths: [require.resolve('@firestore-emulator/server')],
    })) as typeof import('@grpc/grpc-js');
    await new Promise<void>((resolve, reject) =>
      grpcServer.bindAsync!(`${host}:${port}`, ServerCredentials.createInsecure(), (err: Error | null) =>
        err ? reject(err) : resolve(),
      ),
    );
  } else {
    await server.start(port);
  }
  let stopped = false;
  return {
    port,
    kind: 'stand-in',
    async stop() {
      if (stopped) return;
      stopped = true;
      server.stop();
    },
  };
}

async function startOfficial(host: string, opts: StartFirestoreOptions): Promise<FirestoreHandle> {
  const jar = findFirestoreJar()!;
  const args = ['-Duser.language=en', '-jar', jar, '--host', host, '--port', String(opts.port)];
  args.push('--project_id', opts.projectId, '--single_project_mode', 'true');
  if (opts.rules && existsSync(opts.rules)) args.push('--rules', opts.rules);
  const child = spawn('java', args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (b: Buffer) => {
    output = (output + b.toString()).slice(-20000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });

  // Last resort if this process goes away without stop(): never leave the JVM behind.
  const unguard = killGroupOnExit(child, () => exited);
  const stop = async () => {
    await killGroup(child, () => exited);
    unguard();
  };
  const deadline = Date.now() + (opts.timeoutSeconds ?? 60) * 1000;
  for (;;) {
    if (exited) throw new Error(`the Firestore emulator exited before it was ready:\n${output}`);
    try {
      const res = await fetch(`http://${host}:${opts.port}/`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the Firestore emulator did not answer on ${host}:${opts.port}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  child.stdout!.resume();
  child.stderr!.resume();
  return { port: opts.port, kind: 'official', stop };
}

/** SIGKILLs the child's process group if this process exits first; returns the undo. */
export function killGroupOnExit(child: ChildProcess, exited: () => boolean): () => void {
  const onExit = () => {
    if (!exited() && child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  };
  process.on('exit', onExit);
  return () => process.off('exit', onExit);
}

/** SIGTERM the child's process group, SIGKILL it after `graceMs`, resolve once the leader is gone. */
export async function killGroup(child: ChildProcess, exited: () => boolean, graceMs = 5000): Promise<void> {
  if (child.pid === undefined) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      /* already gone */
    }
  };
  if (!exited()) {
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    signal('SIGTERM');
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
    if ((await Promise.race([gone, timer])) === 'timeout') {
      signal('SIGKILL');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 2000).unref())]);
    }
  }
  signal('SIGKILL'); // whatever the leader left behind in its group
}
