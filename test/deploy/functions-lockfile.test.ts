// functions/package-lock.json is what Cloud Build installs from (the workspace lockfile is not
// uploaded). It must match functions/package.json, and pin what the tests run: the versions in
// this workspace's node_modules. Regenerate it with `npm run lock:functions`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8'));

describe('the functions lockfile', () => {
  const manifest = read('functions/package.json');
  const lock = read('functions/package-lock.json');
  const fix = 'out of step with functions/package.json: run `npm run lock:functions`';

  it('records exactly the dependencies and engines of functions/package.json', () => {
    const root = lock.packages[''];
    expect({ dependencies: root.dependencies, engines: root.engines, name: lock.name }).toEqual({
      dependencies: manifest.dependencies,
      engines: manifest.engines,
      name: manifest.name,
    });
    expect(manifest.devDependencies ?? {}).toEqual({}); // nothing a deploy would leave out
  });

  it('pins every dependency at the version the tests run', () => {
    const differ: string[] = [];
    for (const name of Object.keys(manifest.dependencies)) {
      const locked = lock.packages[`node_modules/${name}`]?.version;
      const nested = join(ROOT, 'functions', 'node_modules', name, 'package.json');
      const installed = read(existsSync(nested) ? join('functions', 'node_modules', name, 'package.json') : join('node_modules', name, 'package.json')).version;
      if (locked !== installed) differ.push(`${name}: locked ${locked}, installed ${installed}`);
    }
    expect(differ.length === 0 ? 'in step' : `${differ.join('; ')}; ${fix}`).toBe('in step');
  });

  it('is shipped in the package as npm-shrinkwrap.json, the same versions (a function kit installs from it)', () => {
    expect(existsSync(join(ROOT, 'functions', 'npm-shrinkwrap.json')) ? 'present' : `missing; ${fix}`).toBe('present');
    const shrinkwrap = read('functions/npm-shrinkwrap.json');
    expect(shrinkwrap.packages).toEqual(lock.packages);
  });
});
