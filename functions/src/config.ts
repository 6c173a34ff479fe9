/**
 * Typed configuration, read from the environment once and validated; modules receive the values
 * they need. The deployed functions load it as an instance starts (index.ts), so a wrong value
 * stops the instance, and the deploy, with a message naming the setting. Each setting's default
 * and range are declared once, in settings.ts (params.ts makes the deploy's params from it). Besides this, the environment tells
 * services.ts and audit/cloud-logging.ts where the Secret Manager and Cloud Logging emulators are
 * (firebase-admin finds the Auth and Firestore emulators itself), and index.ts which function an
 * instance serves (FUNCTION_TARGET).
 */
import type { KeyType } from './identity';
import { SETTINGS, type Setting, type SettingName } from './settings';
import { isKeyPrefix } from './keys/format';
import { parseTrustedProxies, type TrustedProxies } from './lib/client-address';

export interface Config {
  projectId: string;
  /**
   * The function-kit instance whose data this is (FIREBASE_KIT_INSTANCE_ID, docs/kit.md): every
   * Firestore collection, log and provider secret it uses is named through `instanceName`, so two
   * instances in one project never see each other's. Undefined outside a kit and for the instance
   * named `keyward`: today's names, so an existing deployment keeps its data.
   */
  instance: string | undefined;
  /** Under the Auth emulator: cookies are not `Secure`, emulator ID tokens are accepted. */
  emulated: boolean;
  bodyLimitBytes: number;
  /**
   * Proxies whose `X-Forwarded-For` entries are believed (http/context.ts `clientIp`): CIDR
   * ranges, or `loopback`, `linklocal`, `uniquelocal`.
   */
  trustedProxies: TrustedProxies;
  /**
   * The cross-instance revocation bound: a cached record, user or sign-out is served at most this
   * long unless the change feed vouches for it, and an instance whose last feed read is older than
   * this reads records fresh (docs/cache.md).
   */
  cacheTtlMs: number;
  /** How long key records, owner limits and sign-outs are kept while the change feed is current (docs/cache.md). */
  recordTtlMs: number;
  /** Least time between two reads of the change feed on one instance (at most a quarter of `cacheTtlMs`). */
  feedIntervalMs: number;
  /** How long provider secrets (and their version lists) are cached before a background refresh. */
  secretsTtlMs: number;
  /**
   * Longest wait for one Firestore or Secret Manager call, the clients' own retries included. A
   * dependency that is down or does not answer then fails the request closed (503) in bounded
   * time instead of holding it for the clients' minutes of retries (lib/deadline.ts).
   */
  dependencyTimeoutMs: number;
  secrets: { hmacSecretId: string; tokenSigningSecretId: string; auditSigningSecretId: string };
  /**
   * `prefix`: the deployment's key prefix (KEYWARD_KEY_PREFIX, '' for none), in every key and
   * signing secret made from now on, so secret scanners can recognise them (docs/secret-scanning.md).
   */
  keys: { defaultTtlDays: number; maxTtlDays: number; maxPerUser: number; maxPerTeam: number; prefix: string };
  tokens: { issuer: string; audience: string; ttlSeconds: Record<KeyType, number> };
  /**
   * Where the site answers (`KEYWARD_PUBLIC_URL`, e.g. `https://auth.example.com`): the base of the
   * endpoint URLs in the discovery document, and the default token issuer.
   */
  publicUrl: string | undefined;
  sessions: { defaultExpiresIn: number; minExpiresIn: number; maxExpiresIn: number; recentSignInSeconds: number };
  signing: { windowSeconds: number };
  /** Per key type: token issuances per minute (shared across instances) and calls per minute (per instance). */
  rateLimits: Record<KeyType, { issuePerMinute: number; callsPerMinute: number }>;
  /** Failed verifications allowed per minute per client address before 429, counted across instances. */
  failureLimitPerMinute: number;
  /** Failed verifications allowed per hour per key id before 429 (OWASP ASVS: at most 100). */
  failureLimitPerKeyHour: number;
  /** Session sign-ins (`POST /v1/auth/session`) per minute per client address. */
  sessionLimitPerMinute: number;
  /** Keys a user may create per hour. */
  keyCreateLimitPerHour: number;
  /**
   * What every limit does when its shared counters (Firestore) cannot be reached and this
   * instance has no leased block left: `closed` refuses with 503, `open` admits uncounted.
   */
  limitsOnOutage: 'closed' | 'open';
  /** Origins allowed to create a session and to send state-changing cookie requests. */
  allowedOrigins: string[];
  auditLogName: string;
  /**
   * The GitHub secret-scanning endpoint (docs/secret-scanning.md): where GitHub's public keys
   * are, how long they are kept, how often an unknown identifier may fetch them again, and the
   * body limit of its reports (larger than `bodyLimitBytes`: GitHub batches matches).
   */
  secretScanning: { githubKeysUrl: string; githubKeysTtlMs: number; githubRefetchAfterMs: number; bodyLimitBytes: number };
  /**
   * Owner notifications (docs/notifications.md): the collection the Firebase "Trigger Email"
   * extension watches, how long one webhook attempt may take, the retry schedule, and when a failing endpoint is disabled.
   */
  notifications: {
    mailCollection: string;
    webhookTimeoutMs: number;
    /** Seconds before each webhook attempt, the first at once: an attempt and up to 7 retries by default. */
    webhookSchedule: number[];
    /** An endpoint failing this long since its last success is disabled and its owner mailed. */
    webhookDisableAfterMs: number;
  };
  /**
   * App Check (credentials/app-check.ts): firebase-admin verifies tokens against Google's keys.
   * `jwksUrl` replaces them with a local JWKS, for the emulators only (they have no App Check).
   */
  appCheck: { jwksUrl: string | undefined };
  /**
   * Lifecycle writes wait at most `writeTimeoutMs`, reads twice that. `readFrom`: what
   * `GET /v1/audit` reads, the project or the log view of the bucket the audit entries are
   * routed to (docs/audit.md). `accessTo`: where access lines go (audit/access-transport.ts):
   * `stdout` (production), or `emulator` (the default when CLOUD_LOGGING_EMULATOR_HOST is set),
   * which batches them to the Logging emulator by `flushDelayMs`, `batchSize` and `bufferLimit`.
   */
  audit: { flushDelayMs: number; batchSize: number; bufferLimit: number; writeTimeoutMs: number; readFrom: string; accessTo: 'stdout' | 'emulator'; checkpointIntervalMs: number };
  /**
   * Cloud Logging `entries.list` calls per minute for audit reads, counted across instances: per
   * project (Google allows 60) and per user; an identical read within `cacheMs` is answered from
   * memory without a call (limits/audit-read-limiter.ts, audit/read-cache.ts).
   */
  auditReads: { perProjectPerMinute: number; perUserPerMinute: number; cacheMs: number };
  /** A key's `lastUsedAt` and usage counts are written at most once per `flushIntervalMs` (keys/use-recorder.ts). */
  useRecorder: { flushIntervalMs: number };
}

type Env = Record<string, string | undefined>;

/**
 * A whole-number setting within its declared range (settings.ts); `derived` replaces the declared
 * default when that is empty (a lifetime that follows another setting).
 */
function int(env: Env, name: SettingName, derived?: number): number {
  const s: Setting = SETTINGS[name];
  const range = s.type === 'int' ? s : s.type === 'string' ? s.int : undefined;
  if (range?.min === undefined || range.max === undefined) throw new Error(`${name} is not a whole-number setting`);
  const fallback = derived ?? (s.type === 'int' ? s.default : NaN);
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new Error(`${name} must be an integer between ${range.min} and ${range.max}, got "${raw}"`);
  }
  return value;
}

/** A text setting, or its declared default when unset or empty. */
function text(env: Env, name: SettingName): string {
  const s: Setting = SETTINGS[name];
  return env[name] || String(s.default);
}

/** Seconds before each attempt, comma-separated: the first 0, each at most a day, 1 to 20 attempts. */
function schedule(env: Env, name: SettingName): number[] {
  const raw = text(env, name);
  const values = raw.split(',').map((s) => Number(s.trim()));
  if (values.length > 20 || values[0] !== 0 || !values.every((v) => Number.isInteger(v) && v >= 0 && v <= 86_400)) {
    throw new Error(`${name} must list 1-20 delays in seconds (0-86400), the first 0, got "${raw}"`);
  }
  return values;
}

function oneOf<T extends string>(env: Env, name: SettingName, values: readonly T[]): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return SETTINGS[name].default as T;
  if (!(values as readonly string[]).includes(raw)) throw new Error(`${name} must be one of ${values.join(', ')}, got "${raw}"`);
  return raw as T;
}

/** Comma-separated, or the JSON array firebase-functions' `defineList` params are deployed as. */
function list(env: Env, name: string): string[] {
  const raw = (env[name] ?? '').trim();
  if (!raw.startsWith('[')) return raw.split(',').map((s) => s.trim()).filter(Boolean);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'string')) {
    throw new Error(`${name} must be a comma-separated list or a JSON array of strings, got "${raw}"`);
  }
  return parsed.map((s) => s.trim()).filter(Boolean);
}

function origins(env: Env, name: string): string[] {
  const values = list(env, name);
  for (const value of values) {
    let origin: string | undefined;
    try {
      origin = new URL(value).origin;
    } catch {
      origin = undefined;
    }
    if (origin !== value) throw new Error(`${name} must list origins like https://app.example.com, got "${value}"`);
  }
  return values;
}

/** The kit instance that keeps today's (unprefixed) names. */
export const DEFAULT_INSTANCE = 'keyward';

/**
 * The one naming rule for an instance's resources: Firestore collections, Cloud Logging log names
 * and Secret Manager secret ids get `kit-<instance>-` in front, the prefix Firebase gives the
 * instance's functions and its kit secrets (so one IAM condition on the prefix can scope an
 * instance's runtime account). Without an instance, the name itself.
 */
export function instanceName(instance: string | undefined, name: string): string {
  return instance === undefined ? name : `kit-${instance}-${name}`;
}

/** A Firestore collection of the instance: every one but the Trigger Email extension's, which the project shares. */
export function collectionName(config: Pick<Config, 'instance' | 'notifications'>, name: string): string {
  return name === config.notifications.mailCollection ? name : instanceName(config.instance, name);
}

/** firebase-tools' rule for instance ids: lowercase letters, digits, `_` and `-`, at most 40. */
function kitInstance(env: Env): string | undefined {
  const raw = env.FIREBASE_KIT_INSTANCE_ID;
  if (raw === undefined || raw === '' || raw === DEFAULT_INSTANCE) return undefined;
  if (raw.length > 40 || !/^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$/.test(raw)) {
    throw new Error(`FIREBASE_KIT_INSTANCE_ID must be a function kit instance id (lowercase letters, digits, _ and -, at most 40), got "${raw}"`);
  }
  return raw;
}

export function loadConfig(env: Env = process.env): Config {
  const projectId = env.GOOGLE_CLOUD_PROJECT ?? env.GCLOUD_PROJECT ?? firebaseConfigProject(env) ?? 'demo-keyward';
  const instance = kitInstance(env);
  const named = (name: string) => instanceName(instance, name);
  const emulated = Boolean(env.FIREBASE_AUTH_EMULATOR_HOST) || env.FUNCTIONS_EMULATOR === 'true';
  const tokenTtl = int(env, 'KEYWARD_TOKEN_TTL_SECONDS');
  const publicUrl = siteUrl(env, 'KEYWARD_PUBLIC_URL');
  return {
    projectId,
    instance,
    emulated,
    bodyLimitBytes: int(env, 'KEYWARD_BODY_LIMIT_BYTES'),
    trustedProxies: trustedProxies(env),
    cacheTtlMs: int(env, 'KEYWARD_CACHE_TTL_MS'),
    recordTtlMs: int(env, 'KEYWARD_RECORD_TTL_MS'),
    // At least four reads per bound, or the view would keep lapsing past it between reads (docs/cache.md).
    feedIntervalMs: Math.min(int(env, 'KEYWARD_FEED_INTERVAL_MS'), Math.max(25, Math.floor(int(env, 'KEYWARD_CACHE_TTL_MS') / 4))),
    secretsTtlMs: int(env, 'KEYWARD_SECRETS_TTL_MS'),
    dependencyTimeoutMs: int(env, 'KEYWARD_DEPENDENCY_TIMEOUT_MS'),
    secrets: {
      hmacSecretId: named(text(env, 'KEYWARD_HMAC_SECRET')),
      tokenSigningSecretId: named(text(env, 'KEYWARD_TOKEN_SIGNING_SECRET')),
      // Signs the audit chains' checkpoints (docs/audit.md#checkpoints): its own secret, not the tokens'.
      auditSigningSecretId: named(text(env, 'KEYWARD_AUDIT_SIGNING_SECRET')),
    },
    keys: { ...keyLifetimes(env), maxPerUser: int(env, 'KEYWARD_KEYS_PER_USER'), maxPerTeam: int(env, 'KEYWARD_TEAM_KEY_CAP'), prefix: keyPrefix(env) },
    tokens: {
      // An instance's tokens name it: a token of one instance is never meant for another's API.
      issuer: env.KEYWARD_TOKEN_ISSUER || publicUrl || (instance ? `https://keyward.${projectId}/${instance}` : `https://keyward.${projectId}`),
      audience: env.KEYWARD_TOKEN_AUDIENCE || (instance ? `${projectId}-${instance}-api` : `${projectId}-api`),
      ttlSeconds: {
        server: int(env, 'KEYWARD_TOKEN_TTL_SERVER', tokenTtl),
        web: int(env, 'KEYWARD_TOKEN_TTL_WEB', Math.min(tokenTtl, 3600)),
        mobile: int(env, 'KEYWARD_TOKEN_TTL_MOBILE', tokenTtl),
      },
    },
    publicUrl,
    sessions: { defaultExpiresIn: 604800, minExpiresIn: 300, maxExpiresIn: 1209600, recentSignInSeconds: 300 },
    signing: { windowSeconds: 300 },
    rateLimits: {
      server: { issuePerMinute: int(env, 'KEYWARD_ISSUE_LIMIT_SERVER'), callsPerMinute: int(env, 'KEYWARD_CALL_LIMIT_SERVER') },
      web: { issuePerMinute: int(env, 'KEYWARD_ISSUE_LIMIT_WEB'), callsPerMinute: int(env, 'KEYWARD_CALL_LIMIT_WEB') },
      mobile: { issuePerMinute: int(env, 'KEYWARD_ISSUE_LIMIT_MOBILE'), callsPerMinute: int(env, 'KEYWARD_CALL_LIMIT_MOBILE') },
    },
    failureLimitPerMinute: int(env, 'KEYWARD_FAILURE_LIMIT'),
    failureLimitPerKeyHour: int(env, 'KEYWARD_KEY_FAILURE_LIMIT'),
    sessionLimitPerMinute: int(env, 'KEYWARD_SESSION_LIMIT'),
    keyCreateLimitPerHour: int(env, 'KEYWARD_KEY_CREATE_LIMIT'),
    limitsOnOutage: oneOf(env, 'KEYWARD_LIMITS_ON_OUTAGE', ['closed', 'open'] as const),
    allowedOrigins: origins(env, 'KEYWARD_ALLOWED_ORIGINS'),
    auditLogName: named(text(env, 'KEYWARD_AUDIT_LOG')),
    appCheck: { jwksUrl: appCheckJwks(env, emulated) },
    notifications: {
      mailCollection: text(env, 'KEYWARD_MAIL_COLLECTION'),
      webhookTimeoutMs: int(env, 'KEYWARD_WEBHOOK_TIMEOUT_MS'),
      webhookSchedule: schedule(env, 'KEYWARD_WEBHOOK_SCHEDULE'),
      webhookDisableAfterMs: int(env, 'KEYWARD_WEBHOOK_DISABLE_AFTER_S') * 1000,
    },
    secretScanning: {
      githubKeysUrl: text(env, 'KEYWARD_GITHUB_KEYS_URL'),
      githubKeysTtlMs: int(env, 'KEYWARD_GITHUB_KEYS_TTL_MS'),
      githubRefetchAfterMs: int(env, 'KEYWARD_GITHUB_KEYS_REFETCH_MS'),
      bodyLimitBytes: int(env, 'KEYWARD_SECRET_SCANNING_BODY_LIMIT_BYTES'),
    },
    audit: {
      flushDelayMs: int(env, 'KEYWARD_AUDIT_FLUSH_MS'),
      batchSize: int(env, 'KEYWARD_AUDIT_BATCH'),
      bufferLimit: int(env, 'KEYWARD_AUDIT_BUFFER'),
      writeTimeoutMs: int(env, 'KEYWARD_AUDIT_WRITE_TIMEOUT_MS'),
      readFrom: env.KEYWARD_AUDIT_VIEW || `projects/${projectId}`,
      accessTo: accessTo(env),
      // At most this long after an entry, its chain's head is signed (audit/checkpointer.ts).
      checkpointIntervalMs: int(env, 'KEYWARD_AUDIT_CHECKPOINT_MS'),
    },
    auditReads: {
      perProjectPerMinute: int(env, 'KEYWARD_AUDIT_READS_PER_MINUTE'),
      perUserPerMinute: int(env, 'KEYWARD_AUDIT_USER_READS_PER_MINUTE'),
      cacheMs: int(env, 'KEYWARD_AUDIT_READ_CACHE_MS'),
    },
    useRecorder: { flushIntervalMs: int(env, 'KEYWARD_USAGE_FLUSH_MS') },
  };
}

function accessTo(env: Env): 'stdout' | 'emulator' {
  const value = env.KEYWARD_AUDIT_ACCESS || (env.CLOUD_LOGGING_EMULATOR_HOST ? 'emulator' : 'stdout');
  if (value !== 'stdout' && value !== 'emulator') throw new Error(`KEYWARD_AUDIT_ACCESS must be stdout or emulator, got "${value}"`);
  return value;
}

function appCheckJwks(env: Env, emulated: boolean): string | undefined {
  const url = env.KEYWARD_APP_CHECK_JWKS_URL || undefined;
  if (url && !emulated) throw new Error('KEYWARD_APP_CHECK_JWKS_URL is for the emulators only: in production App Check tokens are verified with Google\'s keys');
  return url;
}

/** A key created without `expiresAt` gets the default lifetime, which must itself be allowed. */
function keyLifetimes(env: Env): { defaultTtlDays: number; maxTtlDays: number } {
  const defaultTtlDays = int(env, 'KEYWARD_KEY_DEFAULT_TTL_DAYS');
  const maxTtlDays = int(env, 'KEYWARD_KEY_MAX_TTL_DAYS');
  if (defaultTtlDays > maxTtlDays) {
    throw new Error(`KEYWARD_KEY_DEFAULT_TTL_DAYS must not exceed KEYWARD_KEY_MAX_TTL_DAYS (${maxTtlDays}), got "${defaultTtlDays}"`);
  }
  return { defaultTtlDays, maxTtlDays };
}

function keyPrefix(env: Env): string {
  const prefix = env.KEYWARD_KEY_PREFIX ?? '';
  if (prefix !== '' && !isKeyPrefix(prefix)) {
    throw new Error(`KEYWARD_KEY_PREFIX must be 2-16 lowercase letters and digits starting with a letter (not server, web, mobile or kws), got "${prefix}"`);
  }
  return prefix;
}

/** An http(s) origin, optionally with a path, without a trailing slash; undefined when unset. */
function siteUrl(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash || url.username || url.password) {
    throw new Error(`${name} must be an http(s) URL without query, fragment or user information, got "${raw}"`);
  }
  return url.href.replace(/\/+$/, '');
}

/** Cloud Run's front end reaches the function from an internal address; nothing else is trusted by default (settings.ts). */
function trustedProxies(env: Env): TrustedProxies {
  const raw = text(env, 'KEYWARD_TRUSTED_PROXIES');
  const parsed = parseTrustedProxies(list({ v: raw }, 'v'));
  if (!parsed) throw new Error(`KEYWARD_TRUSTED_PROXIES must list CIDR ranges or loopback, linklocal, uniquelocal; got "${raw}"`);
  return parsed;
}

function firebaseConfigProject(env: Env): string | undefined {
  try {
    return env.FIREBASE_CONFIG ? (JSON.parse(env.FIREBASE_CONFIG) as { projectId?: string }).projectId : undefined;
  } catch {
    return undefined;
  }
}
