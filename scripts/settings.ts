// `npm run settings`: writes functions/.env and the README's settings table from the one
// declaration of every setting (functions/src/settings.ts). `--check` writes nothing and fails
// when either is stale; a unit test (test/unit/config/params.test.ts) checks the same.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderDotenv, renderReadmeTable } from '../functions/src/settings';

export const DOTENV_FILE = join(__dirname, '..', 'functions', '.env');
export const README_FILE = join(__dirname, '..', 'README.md');
const START = '<!-- settings: written by `npm run settings` from functions/src/settings.ts -->';
const END = '<!-- /settings -->';

/** The README with its settings table as the declaration says. */
export function readmeWithTable(readme: string): string {
  const [a, b] = [readme.indexOf(START), readme.indexOf(END)];
  if (a < 0 || b < a) throw new Error(`README.md has no settings table between ${START} and ${END}`);
  return `${readme.slice(0, a + START.length)}\n${renderReadmeTable()}\n${readme.slice(b)}`;
}

if (require.main === module) {
  const check = process.argv.includes('--check');
  const files: Array<[string, string]> = [
    [DOTENV_FILE, renderDotenv()],
    [README_FILE, readmeWithTable(readFileSync(README_FILE, 'utf8'))],
  ];
  let stale = 0;
  for (const [file, text] of files) {
    if (readFileSync(file, 'utf8') === text) continue;
    if (check) {
      console.error(`${file} is not what \`npm run settings\` writes: run it`);
      stale++;
    } else {
      writeFileSync(file, text);
      console.log(`wrote ${file}`);
    }
  }
  process.exit(stale ? 1 : 0);
}
