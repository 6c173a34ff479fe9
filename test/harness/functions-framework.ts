// Runs the built functions (functions/lib) under @google-cloud/functions-framework, the runtime that
// serves Node functions on Cloud Run functions, with the environment the platform gives an instance.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, HOST } from './ports';
import { eventually } from './eventually';

export interface FrameworkServer {
  url: string;
  /** What the process printed, for a failure message. */
  output(): string;
  stop(): Promise<void>;
}

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'node_modules', '@google-cloud', 'functions-framework', 'build', 'src', 'main.js');

export async function startFunctionsFramework(target: string, env: Record<string, string> = {}): Promise<FrameworkServer> {
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [MAIN, `--source=${join(ROOT, 'functions')}`], {
    // Cloud Run functions names the function in FUNCTION_TARGET and runs with NODE_ENV=production.
    env: { ...process.env, ...env, FUNCTION_TARGET: target, FUNCTION_SIGNATURE_TYPE: 'http', PORT: String(port), NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://${HOST}:${port}`;
  const healthy = () => fetch(`${url}/v1/health`).then((r) => r.ok, () => false);
  const up = await eventually(healthy, (ok) => ok || child.exitCode !== null, { timeoutMs: 30_000 });
  if (child.exitCode !== null) throw new Error(`the Functions Framework exited (${child.exitCode}):\n${output}`);
  if (!up) {
    child.kill('SIGKILL');
    throw new Error(`the Functions Framework did not answer within 30 s:\n${output}`);
  }
  return {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
