// `<keyward-api-keys>` as shipped: in the packed keyward-functions tarball under its export, the
// same bytes Hosting serves at /elements/keyward.js, with nothing to load at run time, and small
// (under 25 KB gzipped; the README states the size); its React JSX types through their export,
// with no dependency on react. `npm run build` wrote the files.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const ROOT = join(__dirname, '..', '..');
const FUNCTIONS = join(ROOT, 'functions');
const PACKAGED = join(FUNCTIONS, 'lib', 'elements', 'keyward.mjs');
const HOSTED = join(ROOT, 'console', 'dist', 'elements', 'keyward.js');
const gzipped = (bytes: Buffer) => gzipSync(bytes, { level: 9 }).length;

describe('the <keyward-api-keys> element, as shipped', () => {
  it('is in the packed tarball, where `keyward-functions/elements` points, with its types', async () => {
    const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], { cwd: FUNCTIONS });
    const packed = (JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
    expect(packed).toEqual(expect.arrayContaining(['lib/elements/keyward.mjs', 'lib/elements/keyward.d.ts', 'lib/elements/react.d.ts']));
    const manifest = JSON.parse(readFileSync(join(FUNCTIONS, 'package.json'), 'utf8'));
    expect(manifest.exports['./elements']).toEqual({ types: './lib/elements/keyward.d.ts', default: './lib/elements/keyward.mjs' });
    // Types only: nothing to load at run time, and React stays the app's own dependency.
    expect(manifest.exports['./elements/react']).toEqual({ types: './lib/elements/react.d.ts' });
    const needs = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.optionalDependencies });
    expect(needs.filter((name) => /(^|\/)react($|-)/.test(name))).toEqual([]);
  }, 60_000);

  it('types the element in React JSX through `keyward-functions/elements/react`, as an app resolves the package', async () => {
    // elements/react-test/keys.tsx with React's stand-in types, but keyward-functions from the built
    // package (node_modules/keyward-functions, its `exports`): under a bundler's resolution and Node's.
    const test = join(ROOT, 'elements', 'react-test');
    for (const resolution of [{ module: 'ESNext', moduleResolution: 'bundler' }, { module: 'node16', moduleResolution: 'node16' }]) {
      const dir = mkdtempSync(join(tmpdir(), 'keyward-react-types-'));
      const react = { react: [join(test, 'react-stub', 'index.d.ts')], 'react/jsx-runtime': [join(test, 'react-stub', 'jsx-runtime.d.ts')] };
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: join(test, 'tsconfig.json'), compilerOptions: { ...resolution, paths: react }, files: [join(test, 'keys.tsx')], include: [] }));
      const { stdout } = await promisify(execFile)(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(dir, 'tsconfig.json'), '--listFiles'], { cwd: dir, timeout: 60_000 });
      const files = stdout.split('\n').filter((f) => f.includes('/elements/'));
      expect(files.map((f) => f.slice(ROOT.length + 1)).sort()).toEqual([
        'elements/react-test/keys.tsx',
        'elements/react-test/react-stub/index.d.ts',
        'elements/react-test/react-stub/jsx-runtime.d.ts',
        'functions/lib/elements/keyward.d.ts',
        'functions/lib/elements/react.d.ts',
      ]);
    }
  }, 120_000);

  it('is the same module Hosting serves at /elements/keyward.js', () => {
    expect(readFileSync(HOSTED).equals(readFileSync(PACKAGED))).toBe(true);
    const config = JSON.parse(readFileSync(join(ROOT, 'firebase.json'), 'utf8'));
    expect(config.hosting.public).toBe('console/dist');
    // Pages of other origins load it as a module script, which the browser fetches with CORS.
    const rule = config.hosting.headers.find((r: { source: string }) => r.source === '/elements/**');
    expect(rule.headers).toEqual(expect.arrayContaining([{ key: 'Access-Control-Allow-Origin', value: '*' }]));
  });

  it('imports nothing at run time (no framework, no dependency) and defines the element once', () => {
    const code = readFileSync(PACKAGED, 'utf8');
    expect(code).not.toMatch(/(^|[;}\s])import\s*[{*"'\w]|\bimport\(|\brequire\(/);
    expect(code).toContain('customElements.define("keyward-api-keys"');
    expect(code).toMatch(/export\{\w+ as KeywardApiKeys\}/);
  });

  it('is under 25 KB gzipped, and the README states its size', () => {
    const size = gzipped(readFileSync(PACKAGED));
    expect(size).toBeLessThan(25 * 1024);
    const stated = /<keyward-api-keys>[^\n]*?\b(\d+) KB gzipped/.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(stated).not.toBeNull();
    // Stated in whole KB (1024 bytes), rounded: growth by half a KB asks for the README too.
    expect(Number(stated![1])).toBe(Math.round(size / 1024));
  });
});
