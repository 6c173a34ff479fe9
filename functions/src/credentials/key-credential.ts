/**
 * The key-credential engine shared by API keys, access tokens and signed requests: the record
 * whose secret matches (`matchingRecord`), the key's status and restrictions (`decideKey`) and
 * its owner (`decideOwner`), as the identity the request acts with (`keyIdentity`).
 *
 * `apiKeyVerifier` is the product's inner loop. With warm caches it does no I/O: the key
 * record, the owner and the provider secret versions all come from memory; what remains is one
 * HMAC-SHA256 and a constant-time comparison. An unknown key id costs the same HMAC as a wrong
 * secret, and is remembered as unknown so repeating it costs no datastore read.
 */
import { accept, enforce, refuse, type Decision } from '../decision';
import { KeywardError } from '../errors';
import { headerValue, type RequestContext } from '../request';
import { digestMatches, keyDigestBytes, secretGeneration } from '../keys/digest';
import type { ParsedKey } from '../keys/format';
import { ipAllowed, narrowClaims } from '../keys/restrictions';
import type { UseRecorder } from '../keys/use-recorder';
import type { FailureLimiter } from '../limits/failure-limiter';
import type { RefreshingCache } from '../lib/refreshing-cache';
import { catchUpVersions, namesNewerVersion } from '../secrets/catch-up';
import type { ProviderSecret, VersionSet } from '../secrets/provider';
import type { KeyRecord, StoredSecret } from '../keys/record';
import { withKey } from './verified-key';
import { decideKeyStatus, type Presented } from '../keys/status';
import type { UserDirectory, UserRecordLite } from '../store/users';
import type { AuthMethod, Identity } from '../identity';
import { requireAppCheck, type AppCheckVerifier } from './app-check';
import { tooManyFailures } from './failed-verification';

export type KeyCache = RefreshingCache<string, KeyRecord | null>;

export interface ApiKeyDeps {
  /** Verifies App Check tokens for keys that require them (credentials/app-check.ts). */
  appCheck?: AppCheckVerifier;
  cache: KeyCache;
  hmacSecret: ProviderSecret;
  users: UserDirectory;
  useRecorder: UseRecorder;
  failures: FailureLimiter;
  /** The deployment's key prefix (config.keys.prefix): a key must carry the prefix it was minted with. */
  keyPrefix?: string;
  now: () => number;
}

const challenge = 'ApiKey';

/**
 * A key regenerated on another instance has new secrets that this instance's cached record (up to
 * KEYWARD_CACHE_TTL_MS old) does not hold yet. So a secret that matches none of a cached record's
 * is checked once more against the record read again: at most one read per second per key id.
 */
export const RECHECK_AFTER_MS = 1000;
const DUMMY = 'x'.repeat(43);

/**
 * The stored secret this key's secret matches, if any (every candidate is computed: no early
 * exit). Whether that secret still works is the status decision's (keys/status.ts), so a secret
 * replaced past its grace period is refused for the same reason as its tokens.
 */
export function matchSecret(record: KeyRecord | null, key: ParsedKey, versions: VersionSet): StoredSecret | undefined {
  let found: StoredSecret | undefined;
  const candidates = record?.secrets ?? [{ digest: DUMMY, version: versions.current.version, salt: '', notAfter: null }];
  for (const stored of candidates) {
    const version = versions.get(stored.version);
    const ok = digestMatches(keyDigestBytes((version ?? versions.current).material, key.keyId, key.secret), stored.digest);
    if (ok && version !== undefined && record !== null) found = stored;
  }
  return found;
}

/**
 * True when a browser sent the request: browsers add `Origin` to cross-origin and to most
 * non-GET requests, and `Sec-Fetch-Mode: cors` with `Sec-Fetch-Site` to every `fetch()`. Node's
 * own `fetch` (undici) sends `Sec-Fetch-Mode: cors` too, but never `Sec-Fetch-Site` or `Origin`:
 * so `Sec-Fetch-Mode` counts only alongside `Sec-Fetch-Site`, and servers using fetch pass.
 */
export function fromBrowser(info: Pick<RequestContext, 'origin' | 'headers'>): boolean {
  return Boolean(info.origin) || (headerValue(info.headers, 'sec-fetch-mode') === 'cors' && info.headers['sec-fetch-site'] !== undefined);
}

/**
 * A server key (or its signing secret) in a browser is a key about to leak: anyone who opens the
 * page can read it. Refused, with a code that says why, before it is used.
 */
export function decideBrowserUse(record: KeyRecord, info: Pick<RequestContext, 'origin' | 'headers'>, method: AuthMethod): Decision {
  if (record.type === 'server' && (method === 'api_key' || method === 'signature') && fromBrowser(info)) {
    return refuse('server_key_in_browser', 'Server keys are refused from browsers; use a web key bound to your origins, or an access token.');
  }
  return accept();
}

/** The key's status (keys/status.ts) and restrictions, for a key whose credential verified; refusals carry `challenge` where a 401 does. */
export function decideKey(record: KeyRecord, presented: Presented, info: Pick<RequestContext, 'origin' | 'ip'>, now: number, challenge: string, what = 'API key'): Decision {
  const status = decideKeyStatus(record, presented, now, challenge, what);
  if (!status.accepted) return status;
  if (record.type === 'web' && (!info.origin || !record.allowedOrigins.includes(info.origin))) {
    return refuse('origin_not_allowed', 'This web key is not allowed from this origin.');
  }
  if (!ipAllowed(info.ip, record.allowedIps)) return refuse('ip_not_allowed', 'This key is not allowed from this address.');
  return accept();
}

export interface KeyCredential {
  method: AuthMethod;
  /** The `WWW-Authenticate` challenge of this credential's 401s. */
  challenge: string;
  /** What the refusals call it ('API key', "access token's key"). */
  what?: string;
  /** The scopes the request acts with: the key's, or narrower (an access token's). */
  scopes?: string[] | null;
  /** The key secret the credential proved (or, for a token, was minted from). */
  secret: StoredSecret;
  /** The prefix the key string carried ('' for none); absent for credentials that carry none. */
  prefix?: string;
  /** The deployment's prefix (config.keys.prefix), for keys that carry one. */
  deployment?: string;
}

/** Options of a key verification. */
export interface VerifyOptions {
  /** Read the key record again instead of trusting the cache (token issuance). */
  fresh?: boolean;
}

/** The identity a verified key acts with: its owner as they are now (never more), narrowed by its scopes. */
export function decideOwner(record: KeyRecord, owner: UserRecordLite | undefined, as: KeyCredential): Decision<Identity> {
  if (!owner || owner.disabled) return refuse('revoked_credential', "The key's owner is disabled or deleted.", { challenge: as.challenge });
  const scopes = as.scopes === undefined ? record.scopes : as.scopes;
  return accept({
    uid: owner.uid,
    claims: narrowClaims(owner.claims, scopes),
    method: as.method,
    keyId: record.keyId,
    keyType: record.type,
    scopes: scopes ?? undefined,
    secretGeneration: secretGeneration(as.secret.salt),
    ...(record.team !== undefined ? { team: record.team } : {}),
  });
}

/**
 * Shared by keys, access tokens and signed requests once their credential verified: the key's
 * status and restrictions, then its owner, as the identity the request acts with.
 */
export async function keyIdentity(record: KeyRecord, users: UserDirectory, info: Pick<RequestContext, 'origin' | 'ip' | 'headers'>, now: number, as: KeyCredential): Promise<Identity> {
  enforce(decideKey(record, { secret: as.secret, prefix: as.prefix, deployment: as.deployment }, info, now, as.challenge, as.what));
  enforce(decideBrowserUse(record, info, as.method));
  return withKey(enforce(decideOwner(record, await users.get(record.ownerUid), as)), record);
}

/** A request whose key verified but that is refused (paused, revoked, origin, address…) counts as a failure of that key. */
export async function counted(recorder: UseRecorder, record: KeyRecord, now: number, identity: Promise<Identity>): Promise<Identity> {
  try {
    return await identity;
  } catch (err) {
    recorder.refuse(record.keyId, now, record.ownerUid);
    throw err;
  }
}

type RecordDeps = Pick<ApiKeyDeps, 'cache' | 'hmacSecret' | 'failures'>;

/** Whether every version the record names is in the cached set (the usual case: nothing to catch up). */
function allKnown(versions: VersionSet, record: KeyRecord): boolean {
  for (const s of record.secrets) if (versions.get(s.version) === undefined) return false;
  return true;
}

/**
 * The key record whose secrets `matches` accepts, for keys and signatures alike. `matches` is
 * also called without a record (an unknown key), so both cost the same HMAC. Before refusing:
 * the versions are listed again if the record names a newer one (secrets/catch-up.ts), and the
 * record is read again if it may be stale (RECHECK_AFTER_MS). Refusals count towards the failure
 * limit (429 once exceeded).
 */
export async function matchingRecord(
  deps: RecordDeps,
  keyId: string,
  info: Pick<RequestContext, 'ip'>,
  now: number,
  matches: (record: KeyRecord | null, versions: VersionSet) => StoredSecret | undefined,
  refusal: () => KeywardError,
  options: VerifyOptions = {},
): Promise<{ record: KeyRecord; secret: StoredSecret }> {
  let versions = deps.hmacSecret.peek() ?? (await deps.hmacSecret.versions());
  let record = options.fresh ? await deps.cache.fresh(keyId) : (deps.cache.peek(keyId) ?? (await deps.cache.get(keyId)));
  if (record && !allKnown(versions, record)) {
    const named = record.secrets.map((s) => s.version);
    if (namesNewerVersion(versions, named)) versions = await catchUpVersions(deps.hmacSecret, versions, named, now);
  }
  let matched = matches(record, versions);
  if (record && !matched && !options.fresh) {
    const fresher = await deps.cache.recheck(keyId, RECHECK_AFTER_MS);
    if (fresher) [record, matched] = [fresher, matches(fresher, versions)];
  }
  if (!record || !matched) {
    const wait = await deps.failures.fail({ ip: info.ip, keyId: record ? keyId : undefined }, now);
    if (wait !== undefined) throw tooManyFailures(wait);
    throw refusal().with({ failureCounted: true });
  }
  return { record, secret: matched };
}

const refusal = () => new KeywardError('invalid_credential', 'The API key is not valid.', { challenge });
const AS_API_KEY = { method: 'api_key', challenge } as const;

export function apiKeyVerifier(deps: ApiKeyDeps) {
  return async (key: ParsedKey, info: RequestContext, options?: VerifyOptions): Promise<Identity> => {
    const now = deps.now();
    const { record, secret } = await matchingRecord(deps, key.keyId, info, now, (r, versions) => matchSecret(r, key, versions), refusal, options);
    if (record.type !== key.type) throw refusal();
    const identity = await counted(deps.useRecorder, record, now, keyIdentity(record, deps.users, info, now, { ...AS_API_KEY, secret, prefix: key.prefix ?? '', deployment: deps.keyPrefix ?? '' }));
    if (record.appCheck) await requireAppCheck(deps.appCheck, info, record.appCheck);
    deps.useRecorder.touch(key.keyId, now, record.ownerUid);
    return identity;
  };
}
