// scripts/check-layers.mjs, run on small trees of its own: it passes the real functions/src, and
// fails an import that goes up the layer order, a folder without a place in it, a cycle, and
// domain code that reaches for the HTTP edge.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const SCRIPT = join(__dirname, '..', '..', '..', 'scripts', 'check-layers.mjs');

function check(root: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [SCRIPT, root], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** A tree of TypeScript files, `path → text`, in a fresh directory. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'layers-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));
const run = (files: Record<string, string>) => {
  const root = tree(files);
  roots.push(root);
  return check(root);
};

describe('check-layers', () => {
  it('passes functions/src', () => {
    const r = check(join(__dirname, '..', '..', '..', 'functions', 'src'));
    expect([r.status, r.out]).toEqual([0, expect.stringMatching(/every import downward, no cycles/)]);
  });

  it('passes imports that go down or stay in their layer', () => {
    const r = run({
      'actions/a.ts': "import { k } from '../keys/k';\nimport { c } from '../credentials/c';\nexport const a = k + c;\n",
      'credentials/c.ts': "import { k } from '../keys/k';\nexport const c = k;\n",
      'keys/k.ts': "import { t } from '../tokens/t';\nexport const k = t;\n",
      'tokens/t.ts': 'export const t = 1;\n',
    });
    expect([r.status, r.out]).toEqual([0, expect.stringContaining('every import downward')]);
  });

  it('fails an import that goes up, a lazy require included', () => {
    const up = run({ 'keys/k.ts': "import { a } from '../actions/a';\nexport const k = a;\n", 'actions/a.ts': 'export const a = 1;\n' });
    expect([up.status, up.out]).toEqual([1, expect.stringContaining('keys/k.ts imports actions/a.ts: layer 2 (keys) may not import layer 7 (actions)')]);
    const lazy = run({ 'credentials/c.ts': "export const c = () => require('../contract/parse');\n", 'contract/parse.ts': 'export const p = 1;\n' });
    expect([lazy.status, lazy.out]).toEqual([1, expect.stringContaining('credentials/c.ts imports contract/parse.ts')]);
  });

  it('fails a folder that has no place in the order', () => {
    const r = run({ 'gadgets/g.ts': 'export const g = 1;\n' });
    expect([r.status, r.out]).toEqual([1, expect.stringContaining('gadgets has no place in the layer order')]);
  });

  it('fails a cycle within a layer, and domain code that imports the edge', () => {
    const cycle = run({ 'store/s.ts': "import { l } from '../limits/l';\nexport const s = l;\n", 'limits/l.ts': "import { s } from '../store/s';\nexport const l = s;\n" });
    expect([cycle.status, cycle.out]).toEqual([1, expect.stringContaining('folder cycle')]);
    const edge = run({ 'keys/k.ts': "import type { Request } from 'express';\nexport type K = Request;\n" });
    expect([edge.status, edge.out]).toEqual([1, expect.stringContaining("keys/k.ts imports 'express'")]);
  });
});
