// The README's curl quickstart, exactly as written (between its quickstart markers), run twice in
// a row with bash against the test stack: `API` and `AUTH`, the variables it defines at the top,
// point it at the test ports. Every step must answer without an error, both times.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { AUTH_EMULATOR_URL } from '../../harness/ports';
import { base } from '../tokens/support';

const run = promisify(execFile);

async function quickstart(): Promise<string> {
  const readme = await readFile(resolve(__dirname, '../../../README.md'), 'utf8');
  const block = /<!-- quickstart:start -->\s*```sh\n([\s\S]*?)```\s*<!-- quickstart:end -->/.exec(readme);
  if (!block) throw new Error('README.md has no quickstart block between its markers');
  return block[1]!;
}

describe('the README quickstart', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyward-quickstart-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('passes as written, twice in a row', async () => {
    const script = `set -euo pipefail\n${await quickstart()}`;
    const auth = process.env.FIREBASE_AUTH_EMULATOR_HOST ? `http://${process.env.FIREBASE_AUTH_EMULATOR_HOST}` : AUTH_EMULATOR_URL;
    const uids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { stdout } = await run('bash', ['-c', script], { cwd: dir, env: { ...process.env, API: base(), AUTH: auth }, timeout: 60_000 });
      expect(stdout).not.toMatch(/"error"/);
      for (const expected of ['{"status":"ok"}', '"method":"id_token"', '"method":"api_key"', '"method":"access_token"', '"keys":[', '"jwks_uri"', '"token_type":"Bearer"', '"active":true', '"status":"revoked"', '"entries":[']) {
        expect(stdout).toContain(expected);
      }
      uids.push(/"uid":"([^"]+)"/.exec(stdout)![1]!);
    }
    expect(uids[1]).toBe(uids[0]); // the second run signs the same user in again
  });
});
