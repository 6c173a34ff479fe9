// What functions/src ships (its build is the deployed package) holds no test doubles: the
// in-memory twins of the ports live in test/harness (memory.ts, memory-stores.ts).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = join(__dirname, '..', '..', '..', 'functions', 'src');
const files = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : n.endsWith('.ts') ? [join(dir, n)] : []));

describe('the shipped source', () => {
  it('exports no in-memory twin of a port', () => {
    const twins = files(SRC).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/^export (?:async )?function (memory[A-Z]\w*)/gm)].map((m) => `${relative(SRC, f)}: ${m[1]}`));
    expect(twins).toEqual([]);
  });

  it('has no source file over 500 lines', () => {
    const long = files(SRC).map((f) => [relative(SRC, f), readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 500);
    expect(long).toEqual([]);
  });
});
