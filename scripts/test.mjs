// `npm test`: jest's three projects in two processes at once. The integration project talks to one
// emulator stack and runs a file at a time, mostly waiting on HTTP; the unit and deploy projects
// need no stack and keep the second core busy meanwhile. Their report is held back and printed
// after the integration run's, so neither interleaves. With arguments (a file, `-t`, …) it is
// plain `jest --runInBand` with them.
import { spawn } from 'node:child_process';
import { Buffer } from 'node:buffer';
import { createRequire } from 'node:module';

const jest = createRequire(import.meta.url).resolve('jest/bin/jest');
const args = process.argv.slice(2);

/** Runs jest; resolves with its exit code and, when `capture`, what it printed. */
function run(jestArgs, capture) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [jest, ...jestArgs], { stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    const out = [];
    if (capture) {
      child.stdout.on('data', (chunk) => out.push(chunk));
      child.stderr.on('data', (chunk) => out.push(chunk));
    }
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output: Buffer.concat(out).toString() }));
  });
}

if (args.length) {
  const { code } = await run(['--runInBand', ...args], false);
  process.exit(code);
}

const started = Date.now();
const [integration, rest] = await Promise.all([
  // --forceExit once the verdict is in (teardown included): the Google clients that in-process apps
  // built keep retrying in the background against emulators the teardown stopped (a Firestore call
  // retries for up to 10 minutes), which would hold the process open long after the last test.
  run(['--selectProjects', 'integration', '--runInBand', '--forceExit'], false),
  run(['--selectProjects', 'unit', 'deploy', '--maxWorkers=1'], true),
]);
process.stdout.write(`\n── unit and deploy projects (ran beside the integration project) ──\n${rest.output}`);
const failed = [integration.code && 'integration', rest.code && 'unit/deploy'].filter(Boolean);
console.log(`\nnpm test: ${failed.length ? `FAILED (${failed.join(', ')})` : 'all projects passed'} in ${Math.round((Date.now() - started) / 1000)} s`);
process.exit(failed.length ? 1 : 0);
