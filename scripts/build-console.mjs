// Builds the console into console/dist (Firebase Hosting's public folder): esbuild bundles
// console/src/main.ts (with the Firebase JS SDK) and styles.css under content-hashed names, and
// index.html is written to point at them. Nothing is loaded from a CDN. The custom element
// <keyward-api-keys> goes beside them as elements/keyward.js (scripts/build-elements.mjs).
//
// KEYWARD_FIREBASE_CONFIG: the web app's config as JSON, {"apiKey","authDomain","projectId"}
// (Firebase console → Project settings → Your apps). Without it: the local stack's demo-keyward.
// The Auth emulator address a local page uses by default comes from firebase.json; a `--deploy`
// build carries none. `--outdir <dir>` builds elsewhere than console/dist (tests).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildElements } from './build-elements.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'console', 'src');
const outdirArg = process.argv.indexOf('--outdir');
const dist = outdirArg > 0 ? process.argv[outdirArg + 1] : join(root, 'console', 'dist');

const DEMO = { apiKey: 'demo-key', authDomain: 'demo-keyward.firebaseapp.com', projectId: 'demo-keyward' };

function firebaseConfig(raw) {
  if (!raw) return DEMO;
  let parsed;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('KEYWARD_FIREBASE_CONFIG is not valid JSON');
  }
  const out = {};
  for (const field of ['apiKey', 'authDomain', 'projectId']) {
    const value = parsed?.[field];
    if (typeof value !== 'string' || !/^[A-Za-z0-9._:-]{1,200}$/.test(value)) {
      throw new Error(`KEYWARD_FIREBASE_CONFIG needs a string "${field}" (letters, digits, . _ : -)`);
    }
    out[field] = value;
  }
  return out; // only these three fields: nothing else is baked into the page
}

function authEmulatorAddress() {
  const auth = JSON.parse(readFileSync(join(root, 'firebase.json'), 'utf8')).emulators?.auth ?? {};
  return `${auth.host ?? '127.0.0.1'}:${auth.port ?? 9099}`;
}

/**
 * `--deploy` (firebase.json's Hosting predeploy): refuse to ship the demo config, or another
 * project's, to the project being deployed (the CLI sets GCLOUD_PROJECT for its hooks).
 */
function checkDeployTarget(config) {
  const target = process.env.GCLOUD_PROJECT;
  if (!process.env.KEYWARD_FIREBASE_CONFIG) {
    throw new Error('set KEYWARD_FIREBASE_CONFIG to the web app config of the project you deploy (see docs/console.md)');
  }
  if (target && target !== config.projectId) {
    throw new Error(`KEYWARD_FIREBASE_CONFIG is for project ${config.projectId}, but this deploy is to ${target}`);
  }
}

async function main() {
  const deploy = process.argv.includes('--deploy');
  // A deployed page never talks to an emulator: no emulator address in the production bundle.
  const config = { firebase: firebaseConfig(process.env.KEYWARD_FIREBASE_CONFIG), authEmulator: deploy ? '' : authEmulatorAddress() };
  if (deploy) checkDeployTarget(config.firebase);
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  const result = await build({
    entryPoints: [join(src, 'main.ts'), join(src, 'styles.css')],
    outdir: dist,
    entryNames: '[name]-[hash]',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    minify: true,
    legalComments: 'linked',
    define: { __KEYWARD_CONFIG__: JSON.stringify(config) },
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
  const script = outputs.find((f) => /^main-.*\.js$/.test(f));
  const styles = outputs.find((f) => /^styles-.*\.css$/.test(f));
  if (!script || !styles) throw new Error(`unexpected esbuild outputs: ${outputs.join(', ')}`);
  const html = readFileSync(join(src, 'index.html'), 'utf8').replace('%SCRIPT%', script).replace('%STYLES%', styles);
  writeFileSync(join(dist, 'index.html'), html);
  copyFileSync(join(src, 'favicon.svg'), join(dist, 'favicon.svg'));
  // <keyward-api-keys> for pages of this site and others (docs/elements.md): /elements/keyward.js.
  const element = await buildElements(join(dist, 'elements', 'keyward.js'));
  // A page of its own that embeds it with the site's session, for trying it locally (the browser tests use it too).
  if (!deploy) copyFileSync(join(root, 'elements', 'index.html'), join(dist, 'elements', 'index.html'));
  const size = (f) => (result.metafile.outputs[Object.keys(result.metafile.outputs).find((p) => p.endsWith(f))].bytes / 1024).toFixed(0);
  console.log(`console: built ${deploy ? 'for deploy ' : ''}${relative(root, dist)} (${script} ${size(script)} KiB, ${styles} ${size(styles)} KiB) for project ${config.firebase.projectId}, and elements/keyward.js (${(element.gzipBytes / 1024).toFixed(1)} KiB gzipped)`);
}

main().catch((err) => {
  console.error(`console build failed: ${err.message}`);
  process.exit(1);
});
