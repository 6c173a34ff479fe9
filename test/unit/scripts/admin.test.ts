import { memoryAuditSink } from '../../harness/memory';
import { changeClaims, parseCommand, type Command } from '../../../scripts/admin';

describe('admin CLI: the command line', () => {
  it('targets the local stack by default, or what the environment and flags say', () => {
    expect(parseCommand(['grant', 'auditor', '--email', 'a@b.c'], {})).toEqual({
      change: 'grant',
      name: 'auditor',
      email: 'a@b.c',
      projectId: 'demo-keyward',
      authEmulator: '127.0.0.1:9099',
      loggingEmulator: '127.0.0.1:8086',
      // Where the audit chain's checkpoint goes and its signing key is read.
      firestoreEmulator: '127.0.0.1:8080',
      secretManagerEmulator: '127.0.0.1:8085',
    });
    const env = { FIREBASE_AUTH_EMULATOR_HOST: '127.0.0.1:9199', CLOUD_LOGGING_EMULATOR_HOST: '127.0.0.1:8186', FIRESTORE_EMULATOR_HOST: '127.0.0.1:8180', SECRET_MANAGER_EMULATOR_HOST: '127.0.0.1:8185' };
    expect(parseCommand(['revoke', 'x', '--email', 'a@b.c'], env)).toMatchObject({ change: 'revoke', authEmulator: '127.0.0.1:9199', loggingEmulator: '127.0.0.1:8186', firestoreEmulator: '127.0.0.1:8180', secretManagerEmulator: '127.0.0.1:8185' });
    expect(parseCommand(['grant', 'x', '--email', 'a@b.c', '--auth-emulator', 'localhost:1', '--logging-emulator', 'localhost:2', '--firestore-emulator', 'localhost:3', '--secret-manager-emulator', 'localhost:4'], env)).toMatchObject({
      authEmulator: 'localhost:1',
      loggingEmulator: 'localhost:2',
      firestoreEmulator: 'localhost:3',
      secretManagerEmulator: 'localhost:4',
    });
  });

  it('targets a real project with --project, ignoring emulator variables a shell may still hold', () => {
    const env = { FIREBASE_AUTH_EMULATOR_HOST: '127.0.0.1:9099' };
    expect(parseCommand(['grant', 'admin', '--email', 'a@b.c', '--project', 'acme-prod'], env)).toEqual({
      change: 'grant',
      name: 'admin',
      email: 'a@b.c',
      projectId: 'acme-prod',
    });
    expect(parseCommand(['grant', 'admin', '--email', 'a@b.c', '--project', 'demo-other'], {})).toMatchObject({ projectId: 'demo-other', authEmulator: '127.0.0.1:9099' });
  });

  it('refuses bad usage', () => {
    for (const argv of [[], ['grant'], ['promote', 'admin', '--email', 'a@b.c'], ['grant', 'admin'], ['grant', 'admin', '--email', 'nope'], ['grant', 'admin', 'extra', '--email', 'a@b.c'], ['grant', 'admin', '--email', 'a@b.c', '--auth-emulator', 'no-port'], ['grant', 'admin', '--email', 'a@b.c', '--bogus']]) {
      expect(() => parseCommand(argv, {})).toThrow();
    }
  });
});

describe('admin CLI: a change', () => {
  const cmd: Command = { change: 'grant', name: 'admin', email: 'a@b.c', projectId: 'demo-keyward' };
  const clock = { now: () => 0, sleep: async () => undefined };

  function fakeAuth(claims: Record<string, unknown> | undefined) {
    const calls: string[] = [];
    const state = { claims };
    return {
      calls,
      state,
      getUserByEmail: async (email: string) => {
        if (email !== 'a@b.c') throw Object.assign(new Error('x'), { code: 'auth/user-not-found' });
        return { uid: 'u1', customClaims: state.claims };
      },
      setCustomUserClaims: async (_uid: string, c: object | null) => void (calls.push(`set ${JSON.stringify(c)}`), (state.claims = (c ?? undefined) as never)),
      revokeRefreshTokens: async (uid: string) => void calls.push(`revoke ${uid}`),
    };
  }

  it('sets the claims, revokes the sessions, then audits role.grant', async () => {
    const auth = fakeAuth({ tier: 'gold' });
    const audit = memoryAuditSink();
    await changeClaims(auth, audit, cmd, clock);
    expect(auth.calls).toEqual(['set {"tier":"gold","admin":true}', 'revoke u1']);
    expect(audit.events).toEqual([{ event: 'role.grant', outcome: 'success', actor: { method: 'admin_cli' }, target: { uid: 'u1', role: 'admin' }, reason: 'grant' }]);
  });

  it('restores the claims when the audit log cannot be written', async () => {
    const auth = fakeAuth(undefined);
    const audit = { ...memoryAuditSink(), record: async () => Promise.reject(new Error('down')) };
    await expect(changeClaims(auth, audit, cmd, clock)).rejects.toThrow(/audit log is unavailable, so the claims were restored/);
    expect(auth.calls).toEqual(['set {"admin":true}', 'revoke u1', 'set null']);
    expect(auth.state.claims).toBeUndefined();
  });

  it('changes nothing, revokes nothing and audits nothing when there is nothing to change', async () => {
    const auth = fakeAuth({ admin: true });
    const audit = memoryAuditSink();
    expect(await changeClaims(auth, audit, cmd, clock)).toMatch(/nothing to do/);
    expect(auth.calls).toEqual([]);
    expect(audit.events).toEqual([]);
    await expect(changeClaims(auth, audit, { ...cmd, email: 'x@y.z' }, clock)).rejects.toThrow(/no user has the email x@y.z/);
  });
});
