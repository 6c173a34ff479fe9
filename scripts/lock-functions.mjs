// Writes functions/package-lock.json: the lockfile `firebase deploy` uploads with the functions, so
// Cloud Build installs exactly the versions the tests ran; and the same as functions/npm-shrinkwrap.json,
// which `npm pack` puts in the package, so a project that installs Keyward as a function kit
// (docs/kit.md) gets those versions too (the kit installer warns about packages without one). It starts from the workspace lockfile's
// versions (what node_modules holds) and lets npm drop everything the functions do not need.
// Run after changing functions/package.json: `npm run lock:functions`.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(join(root, 'functions', 'package.json'), 'utf8'));
const workspace = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));

// The workspace's resolved packages, as if the functions folder were the root.
const packages = { '': { name: manifest.name, version: manifest.version, dependencies: manifest.dependencies, engines: manifest.engines } };
for (const [path, entry] of Object.entries(workspace.packages)) {
  if (path.startsWith('node_modules/') && !entry.link) packages[path] = entry;
}
for (const [path, entry] of Object.entries(workspace.packages)) {
  if (path.startsWith('functions/node_modules/')) packages[path.slice('functions/'.length)] = entry;
}

const dir = mkdtempSync(join(tmpdir(), 'keyward-lock-'));
try {
  cpSync(join(root, 'functions', 'package.json'), join(dir, 'package.json'));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: manifest.name, version: manifest.version, lockfileVersion: 3, requires: true, packages }));
  execFileSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: 'inherit' });
  cpSync(join(dir, 'package-lock.json'), join(root, 'functions', 'package-lock.json'));
  cpSync(join(dir, 'package-lock.json'), join(root, 'functions', 'npm-shrinkwrap.json'));
  console.log('wrote functions/package-lock.json and functions/npm-shrinkwrap.json');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
