/**
 * Keyward's settings as firebase-functions params: `firebase deploy` reads them from the .env files
 * (`functions/.env` holds every default; put a project's own values in `functions/.env.<project id>`),
 * checks their types, and lists them in the deploy manifest. config.ts reads the same environment
 * variables at instance start and checks their ranges, so a wrong value fails the deploy naming
 * the setting (test/unit/config keeps both lists in step).
 *
 * Provider secrets are not params: Keyward reads every enabled version from Secret Manager itself
 * (rotation), where `defineSecret` would bind one version per deploy.
 *
 * Installed as a function kit (docs/kit.md; FIREBASE_KIT_INSTANCE_ID is set when the installer and
 * the deploy load the code), only the settings in KIT_ASKS are declared: `firebase
 * functions:kits:install` prompts for every declared param the project's .env files do not hold,
 * and every other setting has a safe default. Those stay plain environment variables, which the
 * instance's .env files still set and config.ts still range-checks at start.
 */
import { defineInt, defineList, defineString, type IntParam, type ListParam, type StringParam } from 'firebase-functions/params';

const IN_KIT = Boolean(process.env.FIREBASE_KIT_INSTANCE_ID);
/** What a kit install asks: where the instance answers, and the account it runs as. */
export const KIT_ASKS: readonly string[] = ['KEYWARD_PUBLIC_URL', 'KEYWARD_SERVICE_ACCOUNT'];
const declared = (name: string) => !IN_KIT || KIT_ASKS.includes(name);
/** A setting as a kit leaves it: not declared to the Firebase CLI, so never prompted for. */
const undeclared = <P>(name: string, value: unknown, description: string) => ({ name, options: { default: value, description } }) as unknown as P;

const int = (name: string, value: number, description: string): IntParam =>
  declared(name) ? defineInt(name, { default: value, description }) : undeclared<IntParam>(name, value, description);
/** A string whose empty value means "derived": the default depends on the project. */
const str = (name: string, value: string, description: string): StringParam =>
  declared(name) ? defineString(name, { default: value, description }) : undeclared<StringParam>(name, value, description);

/** The settings config.ts reads, with config.ts's defaults. */
export const SETTINGS = [
  int('KEYWARD_CACHE_TTL_MS', 10_000, 'The cross-instance revocation bound, ms (100-10000): cached records are read fresh when the change feed is behind by more'),
  int('KEYWARD_RECORD_TTL_MS', 3_600_000, 'How long key records, owner limits and sign-outs stay cached while the change feed is current, ms (100-86400000)'),
  int('KEYWARD_FEED_INTERVAL_MS', 1000, 'Least time between two reads of the change feed per instance, ms (50-10000, at most a quarter of KEYWARD_CACHE_TTL_MS): the typical revocation delay'),
  int('KEYWARD_SECRETS_TTL_MS', 300_000, 'How often instances list provider secret versions, ms (100-3600000)'),
  int('KEYWARD_DEPENDENCY_TIMEOUT_MS', 5000, 'Longest wait for one Firestore or Secret Manager call, ms (100-60000)'),
  str('KEYWARD_HMAC_SECRET', 'keyward-api-key-hmac', 'Secret Manager secret id of the API-key HMAC keys'),
  str('KEYWARD_TOKEN_SIGNING_SECRET', 'keyward-token-signing', 'Secret Manager secret id of the access-token signing keys'),
  str('KEYWARD_AUDIT_SIGNING_SECRET', 'keyward-audit-signing', 'Secret Manager secret id of the audit checkpoint signing keys'),
  int('KEYWARD_KEY_DEFAULT_TTL_DAYS', 180, 'Default key lifetime, days (1-3650, at most KEYWARD_KEY_MAX_TTL_DAYS)'),
  int('KEYWARD_KEY_MAX_TTL_DAYS', 365, 'Longest key lifetime, days (1-3650)'),
  int('KEYWARD_KEYS_PER_USER', 100, 'Active keys per user (1-10000)'),
  str('KEYWARD_PUBLIC_URL', '', 'Where the site answers (https://auth.example.com): the base of the discovery endpoints and the default token issuer'),
  str('KEYWARD_TOKEN_ISSUER', '', 'iss of access tokens; empty: https://keyward.<project id>'),
  str('KEYWARD_TOKEN_AUDIENCE', '', 'aud of access tokens; empty: <project id>-api'),
  int('KEYWARD_TOKEN_TTL_SECONDS', 86400, 'Access token lifetime, s (60-604800)'),
  str('KEYWARD_TOKEN_TTL_SERVER', '', 'server-key token lifetime, s; empty: KEYWARD_TOKEN_TTL_SECONDS'),
  str('KEYWARD_TOKEN_TTL_WEB', '', 'web-key token lifetime, s; empty: the shorter of 3600 and KEYWARD_TOKEN_TTL_SECONDS'),
  str('KEYWARD_TOKEN_TTL_MOBILE', '', 'mobile-key token lifetime, s; empty: KEYWARD_TOKEN_TTL_SECONDS'),
  int('KEYWARD_ISSUE_LIMIT_SERVER', 10, 'Token issuances per server key per minute'),
  int('KEYWARD_ISSUE_LIMIT_WEB', 5, 'Token issuances per web key per minute'),
  int('KEYWARD_ISSUE_LIMIT_MOBILE', 20, 'Token issuances per mobile key per minute'),
  int('KEYWARD_CALL_LIMIT_SERVER', 100_000, 'Calls per server key per minute (all instances)'),
  int('KEYWARD_CALL_LIMIT_WEB', 600, 'Calls per web key per minute (all instances)'),
  int('KEYWARD_CALL_LIMIT_MOBILE', 6000, 'Calls per mobile key per minute (all instances)'),
  int('KEYWARD_FAILURE_LIMIT', 60, 'Failed verifications per minute per client address before 429 (all instances)'),
  int('KEYWARD_KEY_FAILURE_LIMIT', 100, 'Failed verifications per hour per key id before 429 (1-100, all instances)'),
  int('KEYWARD_SESSION_LIMIT', 30, 'Session sign-ins per minute per client address (all instances)'),
  int('KEYWARD_KEY_CREATE_LIMIT', 30, 'Keys a user may create per hour (all instances)'),
  str('KEYWARD_LIMITS_ON_OUTAGE', 'closed', 'When Firestore is unreachable: closed refuses limited requests (503), open admits them uncounted'),
  declared('KEYWARD_ALLOWED_ORIGINS')
    ? defineList('KEYWARD_ALLOWED_ORIGINS', { default: [], description: 'Origins besides the site itself that may create sessions (comma-separated)' })
    : undeclared<ListParam>('KEYWARD_ALLOWED_ORIGINS', [], 'Origins besides the site itself that may create sessions (comma-separated)'),
  int('KEYWARD_BODY_LIMIT_BYTES', 16 * 1024, 'Largest JSON body, bytes (1024-1048576)'),
  str('KEYWARD_TRUSTED_PROXIES', 'linklocal,uniquelocal', 'Proxies whose X-Forwarded-For entries are believed: CIDR ranges, or loopback, linklocal, uniquelocal (README: the client address)'),
  str('KEYWARD_AUDIT_LOG', 'keyward-audit', 'Cloud Logging log name of the audit trail'),
  str('KEYWARD_AUDIT_VIEW', '', 'What GET /v1/audit reads (a log bucket view); empty: projects/<project id>'),
  str('KEYWARD_AUDIT_ACCESS', '', 'Where access audit lines go: stdout (production) or emulator; empty: emulator when CLOUD_LOGGING_EMULATOR_HOST is set, else stdout'),
  int('KEYWARD_AUDIT_FLUSH_MS', 100, 'Local stack only: delay before access lines are sent to the Logging emulator, ms'),
  int('KEYWARD_AUDIT_BATCH', 200, 'Local stack only: access lines per Logging emulator write'),
  int('KEYWARD_AUDIT_BUFFER', 10_000, 'Local stack only: access lines kept for the Logging emulator at most'),
  int('KEYWARD_AUDIT_WRITE_TIMEOUT_MS', 5000, 'Longest wait for one Cloud Logging write, ms'),
  int('KEYWARD_AUDIT_CHECKPOINT_MS', 60_000, "Longest time before an audit entry's chain is signed by a checkpoint, ms (100-3600000)"),
  str('KEYWARD_KEY_PREFIX', '', 'Prefix of new keys and signing secrets, for secret scanners: 2-16 lowercase letters and digits; empty: none'),
  str('KEYWARD_GITHUB_KEYS_URL', 'https://api.github.com/meta/public_keys/secret_scanning', 'Where GitHub publishes its secret-scanning public keys'),
  int('KEYWARD_GITHUB_KEYS_TTL_MS', 3_600_000, "How long GitHub's secret-scanning keys are kept, ms (0-86400000)"),
  int('KEYWARD_GITHUB_KEYS_REFETCH_MS', 60_000, "Least time between fetches of GitHub's keys on an unknown key identifier, ms (0-3600000)"),
  int('KEYWARD_SECRET_SCANNING_BODY_LIMIT_BYTES', 1024 * 1024, 'Largest secret-scanning report, bytes (16384-10485760)'),
  str('KEYWARD_MAIL_COLLECTION', 'mail', 'Firestore collection of the Trigger Email extension, for owner notices'),
  int('KEYWARD_WEBHOOK_TIMEOUT_MS', 15_000, 'Longest wait for one notification webhook attempt, ms (100-30000)'),
  str('KEYWARD_WEBHOOK_SCHEDULE', '0,5,300,1800,7200,18000,36000,36000', 'Seconds before each webhook attempt, comma-separated, the first 0 (1-20 attempts, each delay 0-86400)'),
  int('KEYWARD_WEBHOOK_DISABLE_AFTER_S', 432_000, 'A webhook failing this long since its last success is disabled and its owner mailed, s (1-2592000)'),
  str('KEYWARD_APP_CHECK_JWKS_URL', '', "Emulators only: a JWKS to verify App Check tokens against instead of Google's; empty in production"),
  int('KEYWARD_USAGE_FLUSH_MS', 60_000, "A key's lastUsedAt and usage counts are written at most once per this interval per key, ms (100-3600000)"),
] as const;

/** Cost control: instances per function (Cloud Run scales to this many at most). */
export const maxInstances: IntParam = int('KEYWARD_MAX_INSTANCES', 10, 'Instances per function at most (cost control)');
/** Warm instances kept per function (billed while idle): 0, or 1 to spare users cold starts. */
export const minInstances: IntParam = int('KEYWARD_MIN_INSTANCES', 0, 'Instances per function kept warm (billed while idle)');
/**
 * The account the functions run as: `name@` means name@<project id>.iam.gserviceaccount.com. A
 * dedicated account holds only the roles Keyward needs (docs/deploy.md), where the default compute
 * account often holds Editor.
 */
export const serviceAccount: StringParam = str('KEYWARD_SERVICE_ACCOUNT', 'keyward-runtime@', 'Runtime service account email, or name@ for one in this project');

/** Deploy options, not read by config.ts. */
export const DEPLOY_PARAMS = [maxInstances, minInstances, serviceAccount] as const;

/** The instance counts the functions are deployed with: in a kit, the defaults (never prompted). */
export const instanceCounts = (): { maxInstances: IntParam | number; minInstances: IntParam | number } =>
  IN_KIT ? { maxInstances: 10, minInstances: 0 } : { maxInstances, minInstances };
