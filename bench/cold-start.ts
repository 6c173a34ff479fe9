// Cold start: how long a fresh Node process takes to import the built functions entry point
// (functions/lib/index.js), next to a bare function's imports (firebase-functions/v2/https and
// firebase-admin/app). Fresh processes, alternating, median of each.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { FUNCTIONS_DIR, LIB } from './functions';

export interface ColdStartResults {
  /** Median import time, ms (from before the first require to after the last). */
  entryImportMs: number;
  bareImportMs: number;
  /** entryImportMs / bareImportMs. */
  ratio: number;
  /** Median time from process start until the imports were done, ms. */
  entryReadyMs: number;
  bareReadyMs: number;
  runs: number;
  samples: { entry: number[]; bare: number[] };
}

// Run with plain `node -e` (no tsx loader): times the requires, prints them as JSON.
const PROBE = `
const t0 = performance.now();
for (const m of JSON.parse(process.argv[1])) require(m);
const t1 = performance.now();
process.stdout.write(JSON.stringify({ importMs: t1 - t0, readyMs: t1 }));
`;

function probeEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Loading a CA bundle adds ~30 ms to every start, and a loader would time itself too.
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.NODE_OPTIONS;
  // What the functions runtime sets; no emulator addresses (an instance in production has none).
  for (const name of Object.keys(env)) if (name.endsWith('_EMULATOR_HOST')) delete env[name];
  env.GCLOUD_PROJECT = 'demo-keyward';
  env.GOOGLE_CLOUD_PROJECT = 'demo-keyward';
  env.FIREBASE_CONFIG = JSON.stringify({ projectId: 'demo-keyward' });
  return env;
}

function probe(modules: string[], env: NodeJS.ProcessEnv): Promise<{ importMs: number; readyMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', PROBE, JSON.stringify(modules)], { cwd: FUNCTIONS_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`cold-start probe of ${modules.join(', ')} exited with ${code}: ${err.slice(-1000)}`));
      try {
        resolve(JSON.parse(out) as { importMs: number; readyMs: number });
      } catch {
        reject(new Error(`cold-start probe printed ${out.slice(0, 200)} ${err.slice(-500)}`));
      }
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export async function benchColdStart(runs: number): Promise<ColdStartResults> {
  const env = probeEnv();
  const entry = [join(LIB, 'index.js')];
  const bare = ['firebase-functions/v2/https', 'firebase-admin/app'];
  // One of each first, not counted: the files into the page cache.
  await probe(entry, env);
  await probe(bare, env);
  const e: { importMs: number; readyMs: number }[] = [];
  const b: { importMs: number; readyMs: number }[] = [];
  for (let i = 0; i < runs; i++) {
    // Alternating (and which goes first too), so drift in machine load hits both alike.
    if (i % 2 === 0) {
      e.push(await probe(entry, env));
      b.push(await probe(bare, env));
    } else {
      b.push(await probe(bare, env));
      e.push(await probe(entry, env));
    }
  }
  const entryImportMs = median(e.map((x) => x.importMs));
  const bareImportMs = median(b.map((x) => x.importMs));
  return {
    entryImportMs,
    bareImportMs,
    ratio: entryImportMs / bareImportMs,
    entryReadyMs: median(e.map((x) => x.readyMs)),
    bareReadyMs: median(b.map((x) => x.readyMs)),
    runs,
    samples: { entry: e.map((x) => x.importMs), bare: b.map((x) => x.importMs) },
  };
}
