/**
 * Every setting, declared once: its name, type, default, range and description. The rest is made
 * from this table: the firebase-functions params (params.ts), the loader's defaults and range
 * checks (config.ts), `functions/.env` and the README's settings table (`npm run settings` writes
 * both, and a unit test fails when either is stale). Adding a setting is adding one entry here.
 *
 * An empty string default means "derived": config.ts works it out from the project (an issuer, a
 * token lifetime); `int` on a string setting is the range config.ts holds it to once given.
 */
export interface IntSetting {
  type: 'int';
  default: number;
  /** Enforced by config.ts as each instance starts; deploy-only settings have none. */
  min?: number;
  max?: number;
  description: string;
  /** Where the README sends a reader for more (Markdown). */
  docs?: string;
}
export interface StringSetting {
  type: 'string';
  default: string;
  /** A whole number given as text, whose empty default config.ts derives; its range. */
  int?: { min: number; max: number };
  description: string;
  docs?: string;
}
export interface ListSetting {
  type: 'list';
  default: readonly string[];
  description: string;
  docs?: string;
}
export type Setting = (IntSetting | StringSetting | ListSetting) & {
  /** Read by the deploy (function options), not by config.ts. */
  deployOnly?: true;
};

const TTL = { min: 60, max: 7 * 86400 };

export const SETTINGS = {
  KEYWARD_CACHE_TTL_MS: { type: 'int', default: 10_000, min: 100, max: 10_000, description: 'The cross-instance revocation bound, ms: an instance whose last read of the change feed is older reads records fresh; user records (claims, disabled, revocation time) are cached this long' },
  KEYWARD_RECORD_TTL_MS: { type: 'int', default: 3_600_000, min: 100, max: 86_400_000, description: 'How long key records, owner limits and sign-outs stay cached while the change feed is current, ms' },
  KEYWARD_FEED_INTERVAL_MS: { type: 'int', default: 1000, min: 50, max: 10_000, description: 'Least time between two reads of the change feed per instance, ms, at most a quarter of KEYWARD_CACHE_TTL_MS: the typical revocation delay' },
  KEYWARD_SECRETS_TTL_MS: { type: 'int', default: 300_000, min: 100, max: 3_600_000, description: 'How often instances list provider secret versions, ms: the rotation and disable bound' },
  KEYWARD_DEPENDENCY_TIMEOUT_MS: { type: 'int', default: 5000, min: 100, max: 60_000, description: 'Longest wait for one Firestore or Secret Manager call, ms, client retries included; past it the request fails closed with 503' },
  KEYWARD_HMAC_SECRET: { type: 'string', default: 'keyward-api-key-hmac', description: 'Secret Manager secret id of the API-key HMAC keys (32 random bytes per version)' },
  KEYWARD_TOKEN_SIGNING_SECRET: { type: 'string', default: 'keyward-token-signing', description: 'Secret Manager secret id of the access-token signing keys (one P-256 private JWK per version)' },
  KEYWARD_AUDIT_SIGNING_SECRET: { type: 'string', default: 'keyward-audit-signing', description: 'Secret Manager secret id of the audit checkpoint signing keys (P-256)' },
  KEYWARD_KEY_DEFAULT_TTL_DAYS: { type: 'int', default: 180, min: 1, max: 3650, description: 'Default key lifetime, days; at most KEYWARD_KEY_MAX_TTL_DAYS (a default above it stops the instance at start)' },
  KEYWARD_KEY_MAX_TTL_DAYS: { type: 'int', default: 365, min: 1, max: 3650, description: 'Longest key lifetime, days' },
  KEYWARD_KEYS_PER_USER: { type: 'int', default: 100, min: 1, max: 10_000, description: 'Active keys per user' },
  KEYWARD_TEAM_KEY_CAP: { type: 'int', default: 500, min: 1, max: 10_000, description: 'Active keys per team', docs: '[teams](docs/teams.md)' },
  KEYWARD_PUBLIC_URL: { type: 'string', default: '', description: 'Where the site answers (https://auth.example.com): the base of the discovery endpoints and the default token issuer; npm start sets the Hosting URL' },
  KEYWARD_TOKEN_ISSUER: { type: 'string', default: '', description: 'iss of access tokens; empty: KEYWARD_PUBLIC_URL, else https://keyward.<project id>' },
  KEYWARD_TOKEN_AUDIENCE: { type: 'string', default: '', description: 'aud of access tokens; empty: <project id>-api' },
  KEYWARD_TOKEN_TTL_SECONDS: { type: 'int', default: 86400, ...TTL, description: 'Access token lifetime, s' },
  KEYWARD_TOKEN_TTL_SERVER: { type: 'string', default: '', int: TTL, description: 'server-key token lifetime, s; empty: KEYWARD_TOKEN_TTL_SECONDS' },
  KEYWARD_TOKEN_TTL_WEB: { type: 'string', default: '', int: TTL, description: 'web-key token lifetime, s; empty: the shorter of 3600 and KEYWARD_TOKEN_TTL_SECONDS' },
  KEYWARD_TOKEN_TTL_MOBILE: { type: 'string', default: '', int: TTL, description: 'mobile-key token lifetime, s; empty: KEYWARD_TOKEN_TTL_SECONDS' },
  KEYWARD_ISSUE_LIMIT_SERVER: { type: 'int', default: 10, min: 1, max: 1e6, description: 'Token issuances per server key per minute (all instances)' },
  KEYWARD_ISSUE_LIMIT_WEB: { type: 'int', default: 5, min: 1, max: 1e6, description: 'Token issuances per web key per minute (all instances)' },
  KEYWARD_ISSUE_LIMIT_MOBILE: { type: 'int', default: 20, min: 1, max: 1e6, description: 'Token issuances per mobile key per minute (all instances)' },
  KEYWARD_CALL_LIMIT_SERVER: { type: 'int', default: 100_000, min: 1, max: 1e9, description: "Calls per server key per minute (all instances): the ceiling of a key's own limits" },
  KEYWARD_CALL_LIMIT_WEB: { type: 'int', default: 600, min: 1, max: 1e9, description: "Calls per web key per minute (all instances): the ceiling of a key's own limits" },
  KEYWARD_CALL_LIMIT_MOBILE: { type: 'int', default: 6000, min: 1, max: 1e9, description: "Calls per mobile key per minute (all instances): the ceiling of a key's own limits" },
  KEYWARD_FAILURE_LIMIT: { type: 'int', default: 60, min: 1, max: 1e6, description: 'Failed verifications per minute per client address before 429 (all instances)' },
  KEYWARD_KEY_FAILURE_LIMIT: { type: 'int', default: 100, min: 1, max: 100, description: 'Failed verifications per hour per key id before 429 (all instances)' },
  KEYWARD_SESSION_LIMIT: { type: 'int', default: 30, min: 1, max: 1e6, description: 'Session sign-ins per minute per client address (all instances)' },
  KEYWARD_KEY_CREATE_LIMIT: { type: 'int', default: 30, min: 1, max: 1e6, description: 'Keys a user may create per hour (all instances)' },
  KEYWARD_LIMITS_ON_OUTAGE: { type: 'string', default: 'closed', description: 'When Firestore is unreachable and a limit needs a new block: closed refuses limited requests (503), open admits them uncounted' },
  KEYWARD_ALLOWED_ORIGINS: { type: 'list', default: [], description: "Origins besides the site's own that may create sessions and send cookie-authenticated changes, and whose pages may call /v1 with an ID token (CORS, never with cookies; comma-separated)", docs: '[elements](docs/elements.md#authentication)' },
  KEYWARD_BODY_LIMIT_BYTES: { type: 'int', default: 16 * 1024, min: 1024, max: 1024 * 1024, description: 'Largest JSON body, bytes' },
  KEYWARD_TRUSTED_PROXIES: { type: 'string', default: 'linklocal,uniquelocal', description: 'Proxies whose X-Forwarded-For entries are believed: CIDR ranges, or loopback, linklocal (169.254.0.0/16, fe80::/10), uniquelocal (10/8, 172.16/12, 192.168/16, fc00::/7)', docs: '[the client address](#security-model)' },
  KEYWARD_AUDIT_LOG: { type: 'string', default: 'keyward-audit', description: 'Cloud Logging log name of the audit trail' },
  KEYWARD_AUDIT_VIEW: { type: 'string', default: '', description: 'What GET /v1/audit reads (a log bucket view); empty: projects/<project id>' },
  KEYWARD_AUDIT_ACCESS: { type: 'string', default: '', description: 'Where access audit lines go: stdout (production) or emulator; empty: emulator when CLOUD_LOGGING_EMULATOR_HOST is set, else stdout' },
  KEYWARD_AUDIT_FLUSH_MS: { type: 'int', default: 100, min: 0, max: 60_000, description: 'Local stack only: delay before access lines are sent to the Logging emulator, ms' },
  KEYWARD_AUDIT_BATCH: { type: 'int', default: 200, min: 1, max: 1000, description: 'Local stack only: access lines per Logging emulator write' },
  KEYWARD_AUDIT_BUFFER: { type: 'int', default: 10_000, min: 1, max: 1_000_000, description: 'Local stack only: access lines kept for the Logging emulator at most' },
  KEYWARD_AUDIT_WRITE_TIMEOUT_MS: { type: 'int', default: 5000, min: 100, max: 60_000, description: 'Longest wait for one Cloud Logging write, ms', docs: '[delivery](docs/audit.md#delivery-what-is-written-when-and-when-cloud-logging-is-down)' },
  KEYWARD_AUDIT_CHECKPOINT_MS: { type: 'int', default: 60_000, min: 100, max: 3_600_000, description: "Longest time before an audit entry's chain is signed by a checkpoint, ms" },
  KEYWARD_AUDIT_READS_PER_MINUTE: { type: 'int', default: 50, min: 1, max: 1e6, description: "Cloud Logging entries.list calls a minute for audit reads, all users and instances (Google allows 60 per project); past it, 429 with Retry-After", docs: '[audit reads](docs/audit.md)' },
  KEYWARD_AUDIT_USER_READS_PER_MINUTE: { type: 'int', default: 10, min: 1, max: 1e6, description: "Cloud Logging entries.list calls a minute for one user's audit reads (all instances); past it, 429 with Retry-After" },
  KEYWARD_AUDIT_READ_CACHE_MS: { type: 'int', default: 5000, min: 0, max: 60_000, description: "How long the same audit read (same caller's view, filter and page) is answered from the instance's memory without spending the budget, ms; 0: never" },
  KEYWARD_KEY_PREFIX: { type: 'string', default: '', description: 'Prefix of new keys and signing secrets, for secret scanners: 2-16 lowercase letters and digits, starting with a letter; empty: none', docs: '[secret scanning](docs/secret-scanning.md)' },
  KEYWARD_GITHUB_KEYS_URL: { type: 'string', default: 'https://api.github.com/meta/public_keys/secret_scanning', description: 'Where GitHub publishes its secret-scanning public keys' },
  KEYWARD_GITHUB_KEYS_TTL_MS: { type: 'int', default: 3_600_000, min: 0, max: 86_400_000, description: "How long GitHub's secret-scanning keys are kept, ms" },
  KEYWARD_GITHUB_KEYS_REFETCH_MS: { type: 'int', default: 60_000, min: 0, max: 3_600_000, description: "Least time between fetches of GitHub's keys on an unknown key identifier, ms" },
  KEYWARD_SECRET_SCANNING_BODY_LIMIT_BYTES: { type: 'int', default: 1024 * 1024, min: 16 * 1024, max: 10 * 1024 * 1024, description: 'Largest secret-scanning report, bytes (GitHub batches matches)' },
  KEYWARD_MAIL_COLLECTION: { type: 'string', default: 'mail', description: 'Firestore collection of the Trigger Email extension, for owner notices', docs: '[notifications](docs/notifications.md)' },
  KEYWARD_WEBHOOK_TIMEOUT_MS: { type: 'int', default: 15_000, min: 100, max: 30_000, description: 'Longest wait for one webhook delivery attempt, ms: a 2xx later than this is a failure', docs: '[notifications](docs/notifications.md)' },
  KEYWARD_WEBHOOK_SCHEDULE: { type: 'string', default: '0,5,300,1800,7200,18000,36000,36000', description: 'Seconds before each webhook delivery attempt, comma-separated: the first 0, each at most 86400, 1 to 20 attempts', docs: '[schedule](docs/notifications.md)' },
  KEYWARD_WEBHOOK_DISABLE_AFTER_S: { type: 'int', default: 432_000, min: 1, max: 30 * 86_400, description: 'A webhook endpoint failing this long (s) is disabled and its owner told by mail' },
  KEYWARD_APP_CHECK_JWKS_URL: { type: 'string', default: '', description: "Emulators only: a JWKS to verify App Check tokens against instead of Google's; empty in production", docs: '[why](docs/app-check.md#how-tokens-are-verified-and-testing)' },
  KEYWARD_USAGE_FLUSH_MS: { type: 'int', default: 60_000, min: 100, max: 3_600_000, description: "A key's lastUsedAt and usage counts are written at most once per this interval per key, ms", docs: '[usage](docs/usage.md)' },
  KEYWARD_MAX_INSTANCES: { type: 'int', default: 10, deployOnly: true, description: 'Instances per function at most (cost control)', docs: '[function options](docs/deploy.md#function-options)' },
  KEYWARD_MIN_INSTANCES: { type: 'int', default: 0, deployOnly: true, description: 'Instances per function kept warm (billed while idle)', docs: '[function options](docs/deploy.md#function-options)' },
  KEYWARD_SERVICE_ACCOUNT: { type: 'string', default: 'keyward-runtime@', deployOnly: true, description: 'Runtime service account email, or name@ for one in this project' },
} as const satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;
export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

/** A setting's range as text (`100-10000`), when it has one. */
export function rangeOf(setting: Setting): string | undefined {
  if (setting.type === 'int' && setting.min !== undefined && setting.max !== undefined) return `${setting.min}-${setting.max}`;
  if (setting.type === 'string' && setting.int) return `${setting.int.min}-${setting.int.max}`;
  return undefined;
}

/** The description firebase deploy shows and functions/.env carries: with the range. */
export function describe(setting: Setting): string {
  const range = rangeOf(setting);
  return range ? `${setting.description} (${range})` : setting.description;
}

/** A default as an .env file writes it. */
export const envValue = (setting: Setting): string => (Array.isArray(setting.default) ? setting.default.join(',') : String(setting.default));

/** functions/.env: every setting with its default, so a deploy never prompts. */
export function renderDotenv(): string {
  const head = [
    '# Keyward settings for every project: the defaults, read by firebase deploy (firebase-functions params).',
    "# Put a project's own values in .env.<project id> beside this file; see README.md#configuration.",
    '# Written by `npm run settings` from functions/src/settings.ts: change that, not this file.',
  ];
  const body = SETTING_NAMES.flatMap((name) => ['', `# ${describe(SETTINGS[name])}`, `${name}=${envValue(SETTINGS[name])}`]);
  return `${[...head, ...body].join('\n')}\n`;
}

/** The README's settings table (between its `settings` markers). */
export function renderReadmeTable(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = SETTING_NAMES.map((name) => {
    const s: Setting = SETTINGS[name];
    const value = envValue(s);
    const shown = value === '' ? 'empty' : s.type === 'int' ? value : `\`${value}\``;
    const meaning = s.docs ? `${s.description}: ${s.docs}` : s.description;
    return `| \`${name}\` | ${shown} | ${rangeOf(s) ?? ''} | ${cell(meaning)} |`;
  });
  return ['| variable | default | range | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
