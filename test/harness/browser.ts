// The browser of the browser tests, on every machine: Debian's chromium where /usr/bin/chromium
// exists (CI installs it), otherwise the Chromium that `npm install` brings in @sparticuz/chromium.
// KEYWARD_BROWSER=debian|sparticuz picks one (sparticuz: prove the fallback on a machine that has
// Debian's). A missing browser fails the tests, on CI and everywhere else: `npm install` always
// brings one, so a machine without any has a broken install, and a skip would hide it.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';
const ROOT = join(__dirname, '..', '..');

/** Flags for Debian's chromium: headless, and nothing that phones home. */
const DEBIAN_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * @sparticuz/chromium's flags are for serverless sandboxes. Two kinds go: those that turn the
 * same-origin policy off (`--disable-web-security`), since the browser tests check CORS and
 * cross-origin rules; and `--single-process`, with which closing one test's context ends the browser.
 */
const UNFIT_FOR_TESTS = new Set(['--disable-web-security', '--allow-running-insecure-content', '--disable-site-isolation-trials', '--single-process']);

export type BrowserKind = 'debian' | 'sparticuz';

function sparticuzInstalled(): boolean {
  try {
    require.resolve('@sparticuz/chromium', { paths: [ROOT] });
    return true;
  } catch {
    return false;
  }
}

/** Which browser this machine runs the tests with, or why none (decided without starting one). */
export function browserChoice(): { kind: BrowserKind } | { kind: 'none'; why: string } {
  const wanted = process.env.KEYWARD_BROWSER;
  if (wanted !== undefined && wanted !== 'debian' && wanted !== 'sparticuz') return { kind: 'none', why: `KEYWARD_BROWSER=${wanted} is neither debian nor sparticuz` };
  if (wanted !== 'sparticuz' && existsSync(DEBIAN_CHROMIUM)) return { kind: 'debian' };
  if (wanted === 'debian') return { kind: 'none', why: `KEYWARD_BROWSER=debian but ${DEBIAN_CHROMIUM} is missing (apt-get install -y chromium)` };
  if (sparticuzInstalled()) return { kind: 'sparticuz' };
  return { kind: 'none', why: `${DEBIAN_CHROMIUM} is missing and @sparticuz/chromium is not installed (npm install, or apt-get install -y chromium)` };
}

/** `describe` when a browser is there; otherwise one failing test that says why (never a skip). */
export function describeInBrowser(name: string, body: () => void): void {
  const choice = browserChoice();
  if (choice.kind !== 'none') return describe(`${name} (${choice.kind} chromium)`, body);
  describe(name, () => {
    it('has a browser to run in (the browser tests never skip)', () => {
      throw new Error(`no browser for the browser tests: ${choice.why}`);
    });
  });
}

/**
 * @sparticuz/chromium is an ES module that finds its files with `import.meta.url`, which jest's
 * CommonJS cannot load: a child Node unpacks it (into the system's temp folder, about 2 s the
 * first time) and reports the path and flags.
 */
async function sparticuz(): Promise<{ executablePath: string; args: string[] }> {
  const script = `import('@sparticuz/chromium').then(async ({ default: c }) => console.log(JSON.stringify({ executablePath: await c.executablePath(), args: c.args })))`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: ROOT, timeout: 120_000 });
  const found = JSON.parse(stdout.trim().split('\n').pop()!) as { executablePath: string; args: string[] };
  return { executablePath: found.executablePath, args: found.args.filter((a) => !UNFIT_FOR_TESTS.has(a)) };
}

/** Starts the chosen browser headless, on a fresh temporary profile removed when it closes. */
export async function launchBrowser(): Promise<Browser> {
  const choice = browserChoice();
  if (choice.kind === 'none') throw new Error(`no browser for the browser tests: ${choice.why}`);
  const { chromium } = await import('playwright-core');
  if (choice.kind === 'debian') return chromium.launch({ executablePath: DEBIAN_CHROMIUM, headless: true, args: DEBIAN_ARGS });
  const { executablePath, args } = await sparticuz();
  return chromium.launch({ executablePath, args, headless: true });
}
