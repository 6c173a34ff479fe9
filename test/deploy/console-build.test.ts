// Production builds carry no local-stack address: the deployed console bundle and the CSP header
// firebase.json gives Hosting. (npm start and the test stack add their Auth emulator themselves.)
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..', '..');
const LOCAL_ADDRESS = /127\.0\.0\.1:\d+|localhost:\d+|\[::1\]:\d+/;

describe('production builds', () => {
  it("firebase.json's Content-Security-Policy names no emulator address", () => {
    const config = JSON.parse(readFileSync(join(ROOT, 'firebase.json'), 'utf8'));
    const csp = config.hosting.headers.flatMap((h: { headers: Array<{ key: string; value: string }> }) => h.headers).find((h: { key: string }) => h.key === 'Content-Security-Policy').value;
    expect(csp).toContain("connect-src 'self' https://identitytoolkit.googleapis.com");
    expect(csp).not.toMatch(LOCAL_ADDRESS);
    expect(csp).not.toMatch(/http:\/\//);
  });

  it('the console built for deploy (build-console.mjs --deploy) names no emulator address', async () => {
    const out = mkdtempSync(join(tmpdir(), 'keyward-console-'));
    try {
      await promisify(execFile)(process.execPath, [join(ROOT, 'scripts', 'build-console.mjs'), '--deploy', '--outdir', out], {
        env: { ...process.env, GCLOUD_PROJECT: 'acme-prod', KEYWARD_FIREBASE_CONFIG: JSON.stringify({ apiKey: 'AIzaTest', authDomain: 'acme-prod.firebaseapp.com', projectId: 'acme-prod' }) },
      });
      const files = readdirSync(out, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => relative(out, join(e.parentPath, e.name)));
      expect(files.some((f) => /^main-.*\.js$/.test(f))).toBe(true);
      expect(files).toContain(join('elements', 'keyward.js'));
      expect(files).not.toContain(join('elements', 'index.html')); // the local demo page stays local
      for (const f of files) expect(`${f}: ${readFileSync(join(out, f), 'utf8').match(LOCAL_ADDRESS)?.[0] ?? 'none'}`).toBe(`${f}: none`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
