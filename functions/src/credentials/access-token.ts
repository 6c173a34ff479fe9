/**
 * Verifies Keyward's access tokens (`Authorization: Bearer`, or `?token=` on GET and WebSocket
 * upgrades). With warm caches there is no I/O: the kid must name an enabled version of the
 * signing secret (the provider's cached list), the signature is checked with that version's
 * imported public key, only ES256 is accepted (no `none`, no HMAC with the public key), and
 * `iss`, `aud`, `exp`, `nbf` and `iat` are checked with a small clock tolerance. Then the key the
 * token came from is looked up in the key cache, so a revoked or expired key's tokens, and the
 * tokens of a secret regenerated away (past its grace period), stop
 * working within the cache bound, a web key's tokens only work from its allowed origins, and the
 * owner's current claims are narrowed by the token's scopes.
 */
import type { JWTPayload } from 'jose';
import { isFault, KeywardError } from '../errors';
import type { RequestContext } from '../request';
import type { UseRecorder } from '../keys/use-recorder';
import type { UserDirectory } from '../store/users';
import type { KeyRecord, StoredSecret } from '../keys/record';
import { intersectScopes, readSubject, TOKEN_ALG, TOKEN_TYP, type TokenSubject } from '../tokens/claims';
import type { TokenKeyring } from '../tokens/keyring';
import { secretGeneration } from '../keys/digest';
import { decideKeyStatus } from '../keys/status';
import { counted, decideOwner, keyIdentity, type KeyCache } from './key-credential';
import type { Claims, Identity, KeyType } from '../identity';

export interface AccessTokenDeps {
  keyring: TokenKeyring;
  cache: KeyCache;
  users: UserDirectory;
  useRecorder: UseRecorder;
  issuer: string;
  audience: string;
  /** The longest token lifetime configured: an older `iat` is refused whatever `exp` says. */
  maxTtlSeconds: number;
  /** Each key type's lifetime: a token whose `exp − iat` is longer was not minted under this policy. */
  ttlSeconds: Readonly<Record<KeyType, number>>;
  now: () => number;
}

/** Clocks of the instances that issue and verify tokens differ by at most this much. */
export const CLOCK_TOLERANCE_SECONDS = 5;

const challenge = 'Bearer error="invalid_token"';
const invalid = () => new KeywardError('invalid_credential', 'The access token is not valid.', { challenge });

/**
 * Performance (measured by `npm run bench`): an ES256 signature check through jose costs a few
 * hundred µs, several times a whole warm request, and a client presents the same token for up to
 * its lifetime. So a token that verified is remembered (by its exact string) and its signature is
 * checked once per instance. What can change is still checked on every use: the time claims
 * against the clock, exactly as jose checks them (`withinTimes`), and that the kid's secret
 * version is still enabled (a disabled version refuses its tokens, cached or not); the key record
 * and owner below. Bounded: the oldest entry goes when full.
 */
const VERIFIED_MAX_ENTRIES = 10_000;

interface Verified {
  payload: JWTPayload;
  kid: unknown;
}

/** jose's time checks (jwt_claims_set), for a payload that passed them once: nbf, exp, iat and the maximum age. */
function withinTimes(p: JWTPayload, nowMs: number, maxAgeSeconds: number): boolean {
  const n = Math.floor(nowMs / 1000);
  const t = CLOCK_TOLERANCE_SECONDS;
  const { nbf, exp, iat } = p as { nbf?: number; exp: number; iat: number };
  return (nbf === undefined || nbf <= n + t) && exp > n - t && n - iat - t <= maxAgeSeconds && n - iat >= -t;
}

/** A token that is active now (RFC 7662's sense), with what it may do: `POST /oauth/introspect`. */
export interface InspectedToken {
  payload: JWTPayload;
  subject: TokenSubject;
  record: KeyRecord;
  /** The owner's current claims narrowed by the key's and the token's scopes. */
  claims: Claims;
}

export interface AccessTokenVerifier {
  (token: string, info: RequestContext): Promise<Identity>;
  /**
   * Whether a token is active, independently of who presents it (no origin or address check):
   * signature and times, the key's status as `/v1` decides it (not revoked, expired, paused or
   * regenerated past its grace period: keys/status.ts), the owner enabled. Undefined when inactive; throws only when a dependency is down.
   */
  inspect(token: string): Promise<InspectedToken | undefined>;
  /** Whether this exact token's signature verified on this instance (it may still be refused). */
  remembers(token: string): boolean;
}

export function accessTokenVerifier(deps: AccessTokenDeps): AccessTokenVerifier {
  const verified = new Map<string, Verified>();

  /** The payload of a token verified before, when it may still be used; undefined otherwise. */
  async function remembered(token: string): Promise<JWTPayload | undefined> {
    const hit = verified.get(token);
    if (!hit) return undefined;
    if (withinTimes(hit.payload, deps.now(), deps.maxTtlSeconds) && (await deps.keyring.verificationKey(hit.kid))) return hit.payload;
    verified.delete(token); // the full check below gives the refusal its precise reason
    return undefined;
  }

  /** The verified token and the key it came from (as of at most the cache bound ago: revocation reaches tokens too). */
  async function tokenAndKey(token: string): Promise<{ payload: JWTPayload; subject: TokenSubject; record: KeyRecord; secret: StoredSecret }> {
    const payload = (await remembered(token)) ?? (await verifySignature(token));
    const subject = readSubject(payload as Record<string, unknown>);
    if (!subject) throw invalid();
    const lifetime = (payload.exp as number) - (payload.iat as number);
    if (!(lifetime <= deps.ttlSeconds[subject.keyType])) throw invalid();
    const record = deps.cache.peek(subject.keyId) ?? (await deps.cache.get(subject.keyId));
    if (!record || record.ownerUid !== subject.uid || record.type !== subject.keyType) throw invalid();
    // The secret that minted the token (`key_gen`): once it stops (keys/status.ts), the token stops too.
    const secret = record.secrets.find((s) => secretGeneration(s.salt) === subject.generation);
    if (!secret) throw new KeywardError('revoked_credential', "The access token's key secret was replaced; issue a new token.", { challenge });
    return { payload, subject, record, secret };
  }

  const verify = async (token: string, info: RequestContext): Promise<Identity> => {
    const now = deps.now();
    const { subject, record, secret } = await tokenAndKey(token);
    const scopes = intersectScopes(record.scopes, subject.scopes);
    const identity = await counted(deps.useRecorder, record, now, keyIdentity(record, deps.users, info, now, { method: 'access_token', challenge, what: "access token's key", scopes, secret }));
    deps.useRecorder.touch(record.keyId, now, record.ownerUid);
    return identity;
  };

  const inspect = async (token: string): Promise<InspectedToken | undefined> => {
    const now = deps.now();
    try {
      const { payload, subject, record, secret } = await tokenAndKey(token);
      // The same decision `/v1` makes (a paused key's tokens are inactive too); who asks is not the presenter, so no origin or address check.
      if (!decideKeyStatus(record, { secret }, now, challenge).accepted) return undefined;
      const scopes = intersectScopes(record.scopes, subject.scopes);
      const acting = decideOwner(record, await deps.users.get(record.ownerUid), { method: 'access_token', challenge, scopes, secret });
      return acting.accepted ? { payload, subject, record, claims: acting.value.claims } : undefined;
    } catch (err) {
      if (err instanceof KeywardError && !isFault(err)) return undefined;
      throw err;
    }
  };

  return Object.assign(verify, { inspect, remembers: (token: string) => verified.has(token) });

  async function verifySignature(token: string): Promise<JWTPayload> {
    const jose = require('jose') as typeof import('jose');
    let header: ReturnType<typeof jose.decodeProtectedHeader>;
    try {
      header = jose.decodeProtectedHeader(token);
    } catch {
      throw invalid();
    }
    // Only our algorithm and our kids: a token naming anything else is refused before any crypto.
    if (header.alg !== TOKEN_ALG) throw invalid();
    const key = await deps.keyring.verificationKey(header.kid);
    if (!key) throw invalid();

    let payload: JWTPayload;
    try {
      ({ payload } = await jose.jwtVerify(token, key, {
        algorithms: [TOKEN_ALG],
        typ: TOKEN_TYP,
        issuer: deps.issuer,
        audience: deps.audience,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        maxTokenAge: deps.maxTtlSeconds,
        requiredClaims: ['sub', 'exp', 'iat', 'jti'],
        currentDate: new Date(deps.now()),
      }));
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_JWT_EXPIRED') {
        throw new KeywardError('expired_credential', 'The access token has expired.', { challenge });
      }
      throw invalid();
    }
    if (verified.size >= VERIFIED_MAX_ENTRIES) verified.delete(verified.keys().next().value as string);
    verified.set(token, { payload, kid: header.kid });
    return payload;
  }
}
