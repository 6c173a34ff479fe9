// `npm run admin -- grant|revoke …` against the test stack's Auth and Logging emulators.
import { eventually } from '../../harness/eventually';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createUser, signIn } from '../../harness/auth';
import { adminAuth, adminDb } from '../../harness/admin';
import { auditEntries, expectError, me, quote, sessionFor } from './support';

const ROOT = join(__dirname, '..', '..', '..');
const run = promisify(execFile);

/** `npm run admin -- <args>` pointed at the test stack; `viaNpm: false` runs the same script with tsx directly (faster). */
async function admin(args: string[], viaNpm = false): Promise<{ code: number; stdout: string; stderr: string }> {
  const flags = ['--auth-emulator', process.env.FIREBASE_AUTH_EMULATOR_HOST!, '--logging-emulator', process.env.CLOUD_LOGGING_EMULATOR_HOST!, '--firestore-emulator', process.env.FIRESTORE_EMULATOR_HOST!, '--secret-manager-emulator', process.env.SECRET_MANAGER_EMULATOR_HOST!];
  const [command, prefix] = viaNpm ? ['npm', ['run', '--silent', 'admin', '--']] : [join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/admin.ts']];
  try {
    const { stdout, stderr } = await run(command, [...prefix, ...args, ...flags], { cwd: ROOT, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('npm run admin', () => {
  it('grants a role: visible in /v1/me after signing in again, old sessions revoked, audited as role.grant', async () => {
    const user = await createUser();
    const before = await sessionFor(user);
    expect((await me(before)).json.claims).toEqual({});

    const out = await admin(['grant', 'auditor', '--email', user.email], true);
    expect(out).toMatchObject({ code: 0 });
    expect(out.stdout).toContain(user.uid);

    expectError(await me(before), 401, 'revoked_credential');
    const fresh = await sessionFor(await signIn(user.email, user.password));
    expect((await me(fresh)).json).toMatchObject({ uid: user.uid, claims: { auditor: true }, auth: { method: 'session' } });

    const entries = await auditEntries(`jsonPayload.event="role.grant" AND jsonPayload.target.uid=${quote(user.uid)}`);
    expect(entries.map((e) => e.data)).toEqual([
      expect.objectContaining({ event: 'role.grant', outcome: 'success', actor: { method: 'admin_cli' }, target: { uid: user.uid, role: 'auditor' }, reason: 'grant' }),
    ]);
    // The CLI's chain is signed at exit like an instance's: a final checkpoint in Firestore covering its entry.
    const { id, seq } = (entries[0]!.data as { chain: { id: string; seq: number } }).chain;
    const checkpoint = await adminDb().collection('auditCheckpoints').doc(`${id}-${seq}`).get();
    expect(checkpoint.data()).toMatchObject({ chain: id, seq, final: true, jws: expect.stringMatching(/^eyJ/) });
  });

  it('adds and removes permissions, keeps other claims, and revokes sessions on every change', async () => {
    const user = await createUser();
    await adminAuth().setCustomUserClaims(user.uid, { tier: 'gold' });
    expect((await admin(['grant', 'reports:read', '--email', user.email])).code).toBe(0);
    expect((await adminAuth().getUser(user.uid)).customClaims).toEqual({ tier: 'gold', permissions: ['reports:read'] });

    const session = await sessionFor(await signIn(user.email, user.password));
    expect((await me(session)).json.claims).toEqual({ tier: 'gold', permissions: ['reports:read'] });
    expect((await admin(['revoke', 'reports:read', '--email', user.email])).code).toBe(0);
    expect((await adminAuth().getUser(user.uid)).customClaims).toEqual({ tier: 'gold' });
    // No cookie keeps a permission its user lost: the CLI is another process, so the functions learn it
    // through the change feed, within the revocation bound (the test stack's: 1 s).
    expectError(await eventually(() => me(session), (r) => r.status !== 200, { timeoutMs: 3000 }), 401, 'revoked_credential');

    // Nothing to change: nothing revoked.
    const again = await sessionFor(await signIn(user.email, user.password));
    const noop = await admin(['revoke', 'reports:read', '--email', user.email]);
    expect(noop.code).toBe(0);
    expect(noop.stdout).toMatch(/nothing to do/);
    expect((await me(again)).status).toBe(200);
  });

  it('fails plainly for an unknown email (1) and for bad usage (2)', async () => {
    const unknown = await admin(['grant', 'admin', '--email', 'nobody-at-all@example.com']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no user has the email/);
    const user = await createUser();
    const badName = await admin(['grant', 'not a permission', '--email', user.email]);
    expect(badName.code).toBe(1);
    expect((await adminAuth().getUser(user.uid)).customClaims ?? {}).toEqual({});
    expect((await admin(['promote', 'admin', '--email', user.email])).code).toBe(2);
    expect((await admin(['grant', 'admin'])).code).toBe(2);
  });
});
