// `npm run doctor` against the test stack's emulators: what it finds, the fixes it prints for what
// is missing, and a clean one-line report (never a stack trace) for what it cannot reach.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../harness/ports';
import { LEAK } from './hardening/support';

const ROOT = join(__dirname, '..', '..');

async function doctor(args: string[], env: Record<string, string> = {}, viaNpm = false) {
  const [command, prefix] = viaNpm ? ['npm', ['run', '--silent', 'doctor', '--']] : [join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/doctor.ts']];
  try {
    const { stdout, stderr } = await promisify(execFile)(command, [...prefix, ...args], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const line = (out: string, what: string) => out.split('\n').find((l) => l.includes(what) && !l.startsWith('Keyward doctor:')) ?? `(no line about ${what})`;

describe('npm run doctor', () => {
  it("finds the stack's provider secrets with their enabled versions", async () => {
    const out = await doctor(['--project', 'demo-keyward'], {}, true);
    expect(line(out.stdout, 'secret keyward-api-key-hmac')).toMatch(/^ok\s+secret keyward-api-key-hmac \(API-key HMAC keys\): enabled versions \d/);
    expect(line(out.stdout, 'secret keyward-token-signing')).toMatch(/^ok\s+secret keyward-token-signing/);
    // No bucket view configured: advice, with the commands that set one up.
    expect(line(out.stdout, 'audit log bucket')).toMatch(/^advice\s+audit log bucket: keyward-audit stays in the _Default bucket/);
    expect(out.stdout).toContain('fix: gcloud logging sinks create keyward-audit');
    // The emulators have no IAM nor Service Usage, and the Firestore stand-in has no admin API: said, not crashed.
    expect(line(out.stdout, 'runtime service account')).toMatch(/^advice\s.*not checked locally/);
    expect(line(out.stdout, 'Google APIs')).toMatch(/^advice\s+Google APIs: not checked locally: the emulators have no Service Usage$/);
    expect(line(out.stdout, 'Firestore')).toMatch(/^(ok|MISSING|UNCHECKED)\s+Firestore /);
    expect(out.stdout + out.stderr).not.toMatch(LEAK);
    expect([0, 1]).toContain(out.code);
  });

  it('prints what is missing in an empty project, with the command that creates it', async () => {
    const out = await doctor(['--project', 'demo-empty-project']);
    expect(out.code).toBe(1);
    expect(line(out.stdout, 'secret keyward-api-key-hmac')).toMatch(/^MISSING\s+secret keyward-api-key-hmac .*does not exist/);
    expect(out.stdout).toMatch(/fix: head -c 32 \/dev\/urandom \| gcloud secrets create keyward-api-key-hmac --data-file=- .*--project=demo-empty-project/);
    expect(out.stdout).toMatch(/fix: node -e .* \| gcloud secrets create keyward-token-signing --data-file=-/);
    expect(out.stdout + out.stderr).not.toMatch(LEAK);
  });

  it('reports what it cannot reach in one line each, within its timeout, never a stack trace', async () => {
    const nobody = `127.0.0.1:${await freePort()}`;
    const env = { SECRET_MANAGER_EMULATOR_HOST: nobody, CLOUD_LOGGING_EMULATOR_HOST: nobody, FIRESTORE_EMULATOR_HOST: nobody };
    const started = Date.now();
    const out = await doctor(['--project', 'demo-keyward', '--timeout', '3'], env);
    expect(out.code).toBe(1);
    expect(line(out.stdout, 'secret keyward-api-key-hmac')).toMatch(/^UNCHECKED\s+secret keyward-api-key-hmac: could not read it \((UNAVAILABLE|Secret Manager did not answer)/);
    expect(out.stdout + out.stderr).not.toMatch(LEAK);
    expect(Date.now() - started).toBeLessThan(45_000);
  });

  it('without application default credentials says so in one line (exit 1), never a stack trace', async () => {
    const nowhere = mkdtempSync(join(tmpdir(), 'doctor-no-adc-'));
    const env = { HOME: nowhere, CLOUDSDK_CONFIG: nowhere, GOOGLE_APPLICATION_CREDENTIALS: '', METADATA_SERVER_DETECTION: 'none' };
    const out = await doctor(['--project', 'acme-keyward-prod', '--timeout', '5'], env);
    expect(out.code).toBe(1);
    expect(out.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^doctor: no application default credentials \(.+\); run: gcloud auth application-default login$/)]);
    expect(out.stdout.trim()).toBe('Keyward doctor: project acme-keyward-prod, on Google Cloud');
  });

  it('refuses bad usage with the usage text (exit 2)', async () => {
    for (const args of [[], ['--project', 'Not A Project'], ['--project', 'demo-keyward', '--timeout', 'soon'], ['--bogus']]) {
      const out = await doctor(args);
      expect(out.code).toBe(2);
      expect(out.stderr).toContain('usage: npm run doctor -- --project <id>');
      expect(out.stderr).not.toMatch(LEAK);
    }
  });
});
