// `npm run admin -- grant|revoke <role|permission> --email <email>`: edits a user's custom claims.
// Roles are `admin` and `auditor`; any other name is a permission in `permissions: string[]`.
// Against the local stack by default (Auth emulator 127.0.0.1:9099, Logging emulator 127.0.0.1:8086,
// project demo-keyward), or a real project with `--project <id>` (application default credentials).
// After a change the user's sessions and tokens are revoked, the functions are told through the
// change feed (they forget the user within about a second; docs/cache.md), and the change is
// audited as `role.grant` with the same audit module the functions use: its chain is signed at exit
// like an instance's (a checkpoint to Logging and Firestore, signed with the audit key from Secret Manager).
import { parseArgs } from 'node:util';
import type { AuditSink } from '../functions/src/audit/events';
import { loadConfig } from '../functions/src/config';
import { signedAuditSink } from '../functions/src/services';
import type { Claims } from '../functions/src/identity';
import { editClaims, type ClaimChange } from '../functions/src/sessions/claims';
import { revokeAllSessions, systemClock, type Clock } from '../functions/src/sessions/revoke';
import { firestoreChanges, type ChangeWriter } from '../functions/src/store/changes';
import { firestoreTeamStore } from '../functions/src/store/teams';
import { changeTeamGrants, parseTeamCommand, type TeamGrantCommand } from './admin-team';

const USAGE = `usage: npm run admin -- <grant|revoke> <admin|auditor|permission> --email <email>
       npm run admin -- team <grant|revoke> <permission> --team <team id>
         [--project <id>] [--auth-emulator <host:port>] [--logging-emulator <host:port>]
         [--firestore-emulator <host:port>] [--secret-manager-emulator <host:port>]

  Without --project: the local stack (Auth emulator 127.0.0.1:9099, Cloud Logging emulator
  127.0.0.1:8086, Firestore 127.0.0.1:8080 and Secret Manager 127.0.0.1:8085, where the audit
  chain's checkpoint goes and its key is; project demo-keyward), unless FIREBASE_AUTH_EMULATOR_HOST,
  CLOUD_LOGGING_EMULATOR_HOST, FIRESTORE_EMULATOR_HOST or SECRET_MANAGER_EMULATOR_HOST say otherwise. With --project <id>: that Firebase project, with
  application default credentials (gcloud auth application-default login).`;

const LOCAL = { projectId: 'demo-keyward', auth: '127.0.0.1:9099', logging: '127.0.0.1:8086', firestore: '127.0.0.1:8080', secretManager: '127.0.0.1:8085' };
const EMULATOR_FLAGS = ['auth-emulator', 'logging-emulator', 'firestore-emulator', 'secret-manager-emulator'] as const;
const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

class UsageError extends Error {}

export interface Command {
  /** `team grant|revoke <permission> --team <id>`: a team's grants instead of a user's claims (scripts/admin-team.ts). */
  team?: TeamGrantCommand;
  change: ClaimChange;
  name: string;
  email: string;
  projectId: string;
  /** undefined: the real service. */
  authEmulator?: string;
  loggingEmulator?: string;
  /** Where the audit chain's checkpoint is stored, and its signing key read (emulators only). */
  firestoreEmulator?: string;
  secretManagerEmulator?: string;
}

/** Parses the command line and decides which Auth and Logging to talk to. */
export function parseCommand(argv: string[], env: NodeJS.ProcessEnv): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        email: { type: 'string' },
        team: { type: 'string' },
        project: { type: 'string' },
        'auth-emulator': { type: 'string' },
        'logging-emulator': { type: 'string' },
        'firestore-emulator': { type: 'string' },
        'secret-manager-emulator': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) throw new UsageError('');
  const teamCommand = positionals[0] === 'team' ? parseTeamCommand(positionals, values.team) : undefined;
  if (typeof teamCommand === 'string') throw new UsageError(teamCommand);
  const [verb, name, ...extra] = teamCommand ? [teamCommand.change, teamCommand.permission] : positionals;
  if (verb !== 'grant' && verb !== 'revoke') throw new UsageError(`the first word must be grant or revoke${verb ? `, not "${verb}"` : ''}`);
  if (!name) throw new UsageError(`${verb} what? a role (admin, auditor) or a permission`);
  if (extra.length) throw new UsageError(`unexpected: ${extra.join(' ')}`);
  if (!teamCommand && (!values.email || !values.email.includes('@'))) throw new UsageError('--email <email> is required');
  for (const flag of EMULATOR_FLAGS) {
    const value = values[flag];
    if (value !== undefined && !HOST_PORT.test(value)) throw new UsageError(`--${flag} must be host:port`);
  }
  const explicitEmulator = EMULATOR_FLAGS.some((flag) => values[flag] !== undefined);
  const real = values.project !== undefined && !values.project.startsWith('demo-') && !explicitEmulator;
  const email = values.email ?? '';
  if (real) return { team: teamCommand, change: verb, name, email, projectId: values.project! };
  return {
    team: teamCommand,
    change: verb,
    name,
    email,
    projectId: values.project ?? LOCAL.projectId,
    authEmulator: values['auth-emulator'] ?? env.FIREBASE_AUTH_EMULATOR_HOST ?? LOCAL.auth,
    loggingEmulator: values['logging-emulator'] ?? env.CLOUD_LOGGING_EMULATOR_HOST ?? LOCAL.logging,
    firestoreEmulator: values['firestore-emulator'] ?? env.FIRESTORE_EMULATOR_HOST ?? LOCAL.firestore,
    secretManagerEmulator: values['secret-manager-emulator'] ?? env.SECRET_MANAGER_EMULATOR_HOST ?? LOCAL.secretManager,
  };
}

interface AuthLike {
  getUserByEmail(email: string): Promise<{ uid: string; customClaims?: Record<string, unknown> }>;
  setCustomUserClaims(uid: string, claims: object | null): Promise<void>;
  revokeRefreshTokens(uid: string): Promise<void>;
}

/** Applies the change, revokes the user's sessions, audits; undoes the claim change if either later step fails. */
export async function changeClaims(auth: AuthLike, audit: AuditSink, cmd: Command, clock: Clock = systemClock, changes?: Pick<ChangeWriter, 'publish'>): Promise<string> {
  let user;
  try {
    user = await auth.getUserByEmail(cmd.email);
  } catch (err) {
    if ((err as { code?: string }).code === 'auth/user-not-found') throw new Error(`no user has the email ${cmd.email}`, { cause: err });
    throw err;
  }
  const before = (user.customClaims ?? {}) as Claims;
  const { claims, changed } = editClaims(before, cmd.name, cmd.change);
  const what = `${cmd.name} (${cmd.change === 'grant' ? 'granted to' : 'revoked from'} ${cmd.email}, uid ${user.uid})`;
  if (!changed) return `nothing to do: ${cmd.email} ${cmd.change === 'grant' ? 'already has' : 'does not have'} ${cmd.name}`;
  await auth.setCustomUserClaims(user.uid, claims);
  const undo = () => auth.setCustomUserClaims(user.uid, Object.keys(before).length ? before : null).catch(() => undefined);
  try {
    await revokeAllSessions(auth, user.uid, clock);
  } catch (err) {
    await undo();
    throw new Error(`could not revoke the user's sessions, so the claims were restored: ${(err as Error).message}`, { cause: err });
  }
  // Without the feed entry the functions still follow within their cache bound (KEYWARD_CACHE_TTL_MS).
  const told = await changes?.publish('user', user.uid).then(
    () => true,
    (err: unknown) => (console.error(`admin: warning: the change feed entry could not be written (${(err as Error).message}); instances follow within KEYWARD_CACHE_TTL_MS`), false),
  );
  try {
    await audit.record({
      event: 'role.grant',
      outcome: 'success',
      actor: { method: 'admin_cli' },
      target: { uid: user.uid, role: cmd.name },
      reason: cmd.change,
    });
  } catch (err) {
    await undo();
    throw new Error(`the audit log is unavailable, so the claims were restored (the user was signed out): ${(err as Error).message}`, { cause: err });
  }
  return `${what}; claims now ${JSON.stringify(claims)}; the user's sessions and tokens were revoked${told ? ', and the functions were told' : ''}.`;
}

function lazyFirestore(app: import('firebase-admin/app').App) {
  let db: import('firebase-admin/firestore').Firestore | undefined;
  return () => (db ??= (require('firebase-admin/firestore') as typeof import('firebase-admin/firestore')).getFirestore(app));
}

async function main(): Promise<number> {
  let cmd: Command;
  try {
    cmd = parseCommand(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (err.message) console.error(`admin: ${err.message}\n`);
    console.error(USAGE);
    return 2;
  }
  const env = process.env;
  env.GOOGLE_CLOUD_PROJECT = env.GCLOUD_PROJECT = cmd.projectId;
  if (cmd.authEmulator) {
    env.FIREBASE_AUTH_EMULATOR_HOST = cmd.authEmulator;
    env.CLOUD_LOGGING_EMULATOR_HOST = cmd.loggingEmulator;
    env.FIRESTORE_EMULATOR_HOST = cmd.firestoreEmulator;
    env.SECRET_MANAGER_EMULATOR_HOST = cmd.secretManagerEmulator;
    env.METADATA_SERVER_DETECTION ??= 'none';
  } else {
    // A real project: never send its changes to an emulator some earlier shell pointed at.
    delete env.FIREBASE_AUTH_EMULATOR_HOST;
    delete env.CLOUD_LOGGING_EMULATOR_HOST;
    delete env.FIRESTORE_EMULATOR_HOST;
    delete env.SECRET_MANAGER_EMULATOR_HOST;
  }
  const where = cmd.authEmulator ? `the local Auth emulator at ${cmd.authEmulator} (project ${cmd.projectId})` : `project ${cmd.projectId}`;
  const { initializeApp } = await import('firebase-admin/app');
  const { getAuth } = await import('firebase-admin/auth');
  const app = initializeApp({ projectId: cmd.projectId }, 'keyward-admin-cli');
  const audit = signedAuditSink(loadConfig(env), env, () => app);
  // The change feed is in Firestore: the real one, or the local stand-in when the stack is running.
  const feed = !cmd.authEmulator || env.FIRESTORE_EMULATOR_HOST ? firestoreChanges(lazyFirestore(app)) : undefined;
  try {
    if (cmd.team) {
      const db = lazyFirestore(app);
      const grants = await changeTeamGrants(firestoreTeamStore(db, undefined, firestoreChanges(db)), audit, cmd.team);
      console.log(`team ${cmd.team.team} now grants: ${grants.join(' ') || '(nothing)'}\n(${where})`);
      return 0;
    }
    const message = await changeClaims(getAuth(app), audit, cmd, systemClock, feed);
    console.log(`${message}\n(${where})`);
    return 0;
  } catch (err) {
    console.error(`admin: ${(err as Error).message}\n(${where})`);
    return 1;
  } finally {
    // Lifecycle entries are already written; this signs the chain (its final checkpoint) and releases
    // the client, bounded in case a store hangs.
    await Promise.race([audit.close().catch(() => undefined), new Promise((r) => setTimeout(r, 5000).unref())]);
  }
}

if (require.main === module) {
  // The Logging client keeps its channel open: exit explicitly.
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(`admin: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}
