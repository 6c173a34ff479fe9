// What `firebase deploy` uploads (functions/package.json, its lockfile, the built lib/ and .env),
// installed alone as Cloud Build does (`npm ci --omit=dev`, Node 24), then loaded: the manifest the
// Firebase CLI reads lists the functions and their runtime options, and the Functions Framework
// from the artifact itself serves the API. Needs the npm registry (npm's cache makes repeats fast).
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../harness/ports';
import { eventually } from '../harness/eventually';

const ROOT = join(__dirname, '..', '..');
const FUNCTIONS = join(ROOT, 'functions');
const CALLABLES = ['createApiKey', 'listApiKeys', 'revokeApiKey', 'regenerateApiKey', 'updateApiKey', 'queryAuditLog', 'getUsage'];
const SCHEDULED = ['keyExpiryNotices'];
const TASK_QUEUES = ['webhookDelivery'];

// npm itself must run on the deployed Node too (its engine checks use the running Node).
const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH}` };
let dir: string;
let installLog: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-artifact-'));
  for (const f of ['package.json', 'package-lock.json', '.env', 'lib']) cpSync(join(FUNCTIONS, f), join(dir, f), { recursive: true });
  const { stdout, stderr } = await promisify(execFile)('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: dir,
    env,
    maxBuffer: 16 * 1024 * 1024,
  });
  installLog = stdout + stderr;
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs a program from the artifact on a free port until `ready` answers; returns its base URL and a stop. */
async function serve(args: string[], extraEnv: Record<string, string>, ready: string) {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, args, { cwd: dir, env: { ...env, ...extraEnv, PORT: String(port), GCLOUD_PROJECT: 'demo-keyward' } });
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((r) => child.once('exit', r));
  const url = `http://127.0.0.1:${port}`;
  const serving = () => fetch(url + ready).then((r) => r.ok, () => false);
  if (!(await eventually(serving, (up) => up || child.exitCode !== null, { timeoutMs: 30_000 }))) {
    child.kill('SIGKILL');
    throw new Error(`${args.join(' ')} did not serve ${ready}:\n${output}`);
  }
  return { url, stop: async () => (child.kill('SIGTERM'), await exited) };
}

interface Manifest {
  endpoints: Record<string, Record<string, unknown>>;
  params: Array<{ name: string }>;
}

describe('the deploy artifact, installed alone', () => {
  it('installs from its own lockfile with no engine warnings', () => {
    expect(installLog).not.toMatch(/EBADENGINE|ERESOLVE/);
  });

  it('lists the functions and their runtime options to the Firebase CLI', async () => {
    const bin = join(dir, 'node_modules', 'firebase-functions', 'lib', 'bin', 'firebase-functions.js');
    const server = await serve([bin, dir], { FUNCTIONS_CONTROL_API: 'true' }, '/__/functions.yaml');
    try {
      const manifest = (await (await fetch(`${server.url}/__/functions.yaml`)).json()) as Manifest;
      expect(Object.keys(manifest.endpoints).sort()).toEqual(['api', ...CALLABLES, ...SCHEDULED, ...TASK_QUEUES].sort());
      const common = {
        platform: 'gcfv2',
        region: ['us-central1'],
        cpu: 1,
        concurrency: 80,
        timeoutSeconds: 60,
        maxInstances: '{{ params.KEYWARD_MAX_INSTANCES }}',
        minInstances: '{{ params.KEYWARD_MIN_INSTANCES }}',
        serviceAccountEmail: '{{ params.KEYWARD_SERVICE_ACCOUNT }}',
      };
      expect(manifest.endpoints.api).toMatchObject({ ...common, availableMemoryMb: 512, httpsTrigger: { invoker: ['public'] } });
      for (const name of CALLABLES) {
        expect(manifest.endpoints[name]).toMatchObject({ ...common, availableMemoryMb: 256, callableTrigger: {} });
      }
      for (const name of SCHEDULED) expect(manifest.endpoints[name]).toMatchObject({ platform: 'gcfv2', scheduleTrigger: expect.any(Object) });
      // Webhook attempts: the queue retries only faults, a few times, backing off from 5 s (notifications/deliveries.ts keeps the schedule).
      for (const name of TASK_QUEUES) {
        expect(manifest.endpoints[name]).toMatchObject({
          platform: 'gcfv2',
          taskQueueTrigger: { retryConfig: { maxAttempts: 10, minBackoffSeconds: 5, maxBackoffSeconds: 600, maxDoublings: 5 }, rateLimits: { maxConcurrentDispatches: 20 } },
        });
      }
      const params = manifest.params.map((p) => p.name);
      expect(params).toEqual(expect.arrayContaining(['KEYWARD_CACHE_TTL_MS', 'KEYWARD_ALLOWED_ORIGINS', 'KEYWARD_MAX_INSTANCES']));
      expect(params.every((name) => name.startsWith('KEYWARD_'))).toBe(true);
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('serves the API under its own Functions Framework (what Cloud Run functions runs)', async () => {
    const main = join(dir, 'node_modules', '@google-cloud', 'functions-framework', 'build', 'src', 'main.js');
    const server = await serve([main, `--source=${dir}`], { FUNCTION_TARGET: 'api', NODE_ENV: 'production' }, '/v1/health');
    try {
      const res = await fetch(`${server.url}/v1/auth/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: { code: 'invalid_json', message: expect.any(String) } });
    } finally {
      await server.stop();
    }
  }, 60_000);
});
