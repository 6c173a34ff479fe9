/**
 * `POST /v1/auth/issue`: trades a key for a short-lived access token. The body is the
 * credential, in one of two forms:
 * - `{api_key}`: the key itself, verified exactly as `Authorization: ApiKey` would be;
 * - `{key_id, nonce, timestamp, signature}`: a signed token request, the HMAC-SHA256 of the
 *   normalized parameter string under the key's signing secret (the key never travels).
 * Either may add `expires_in` (seconds; at most the key type's lifetime) and `scope`
 * (space-separated; within the key's scopes), which the signed form signs too.
 * A malformed key is refused before any read; a request that also carries a header, cookie or
 * `?token=` credential is a 400. Issuance is rate limited per key, shared across instances, and
 * audited (`token.issue`) before the token is returned: no audit entry, no token.
 */
import { randomUUID } from 'node:crypto';
import { auditRequest, type AuditSink } from '../audit/events';
import type { Config } from '../config';
import type { Verifiers } from '../credentials/pipeline';
import { readCredential } from '../credentials/read';
import type { Identity } from '../identity';
import type { SignedKeyVerifier } from '../credentials/signature';
import { KeywardError, isFault, unavailable, type RateLimitState } from '../errors';
import type { RequestContext } from '../request';
import { parseKey, type ParsedKey } from '../keys/format';
import { scopesBeyond } from '../keys/restrictions';
import type { IssueLimiter } from '../limits/issue-limiter';
import type { Body } from '../request';
import { KEY_ID_TOKEN, NONCE_PATTERN, SIGNATURE_PATTERN, TIMESTAMP_PATTERN } from '../signing/grammar';
import { normalizedParameters, parameterText } from '../signing/params';
import { parseScope, privateClaims, TOKEN_ALG, TOKEN_TYP, type TokenSubject } from '../tokens/claims';
import type { TokenKeyring } from '../tokens/keyring';

export interface IssueDeps {
  config: Pick<Config, 'tokens' | 'keys'>;
  keyring: TokenKeyring;
  verifyApiKey: Verifiers['apiKey'];
  verifySigned: SignedKeyVerifier;
  limiter: IssueLimiter;
  audit: AuditSink;
  now: () => number;
}

export interface IssuedToken {
  body: { token: string; expires_at: number };
  /** The issuance limit's state after this token, for `RateLimit-*` headers. */
  rateLimit: RateLimitState;
}

/** A token as minted, for endpoints that answer in their own shape (`POST /oauth/token`). */
export interface MintedToken {
  token: string;
  issuedAt: number;
  expiresAt: number;
  /** The token's scopes; null: the owner's full permissions. */
  scopes: string[] | null;
  rateLimit: RateLimitState;
}

/** What a caller may ask of a token: a shorter lifetime, fewer scopes. */
export interface IssueOptions {
  expiresIn?: number;
  scopes?: string[];
}

const SIGNED_FIELDS = ['key_id', 'nonce', 'timestamp', 'signature'] as const;
const OPTION_FIELDS = ['expires_in', 'scope'] as const;
const MIN_TTL_SECONDS = 60;
/** Issuance reads the key record again rather than trusting a cache: a key revoked on another instance mints nothing (issuance is rate limited, so this costs little). */
const FRESH = { fresh: true } as const;

const bad = (message: string) => new KeywardError('invalid_request', message);
const malformed = (message: string) => new KeywardError('invalid_credential', message, { challenge: 'ApiKey' });


/** The body's parameters as the text they were sent (and signed) as. */
function parameters(body: Body): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    if (!(['api_key', ...SIGNED_FIELDS, ...OPTION_FIELDS] as string[]).includes(name)) {
      throw bad(`Unknown field: ${name.slice(0, 40)}.`);
    }
    const text = parameterText(value);
    if (text === undefined || text.length > 1024) throw bad(`${name} must be a string or a whole number.`);
    out[name] = text;
  }
  return out;
}

function options(params: Record<string, string>): IssueOptions {
  const out: IssueOptions = {};
  if (params.expires_in !== undefined) {
    const seconds = /^[0-9]{1,7}$/.test(params.expires_in) ? Number(params.expires_in) : NaN;
    if (!(seconds >= MIN_TTL_SECONDS)) throw bad(`expires_in must be a whole number of seconds, at least ${MIN_TTL_SECONDS}.`);
    out.expiresIn = seconds;
  }
  if (params.scope !== undefined) {
    const scopes = parseScope(params.scope);
    if (!scopes) throw bad('scope must be space-separated scope names.');
    out.scopes = scopes;
  }
  return out;
}

export function tokenIssuer(deps: IssueDeps) {
  const { tokens } = deps.config;

  async function authenticate(params: Record<string, string>, info: RequestContext): Promise<Identity> {
    if (params.api_key !== undefined) {
      if (SIGNED_FIELDS.some((f) => params[f] !== undefined)) throw bad('Send either api_key or a signature, not both.');
      const key = parseKey(params.api_key);
      if (!key) throw malformed('The API key is malformed.');
      return deps.verifyApiKey(key, info, FRESH);
    }
    const missing = SIGNED_FIELDS.filter((f) => params[f] === undefined);
    if (missing.length === SIGNED_FIELDS.length) throw bad('Send api_key, or key_id, nonce, timestamp and signature.');
    if (missing.length) throw bad(`A signed token request needs ${missing.join(', ')}.`);
    if (!KEY_ID_TOKEN.test(params.key_id!)) throw malformed('key_id is not a key id.');
    if (!TIMESTAMP_PATTERN.test(params.timestamp!)) throw malformed('timestamp must be unix seconds.');
    if (!NONCE_PATTERN.test(params.nonce!)) throw malformed('nonce must be 16 to 64 characters of A-Z, a-z, 0-9, _ and -.');
    if (!SIGNATURE_PATTERN.test(params.signature!)) throw malformed('signature must be 64 lowercase hex characters.');
    const { identity } = await deps.verifySigned(
      { keyId: params.key_id!, timestamp: params.timestamp!, nonce: params.nonce!, signature: params.signature!, message: normalizedParameters(params) },
      info,
      FRESH,
    );
    return identity;
  }

  function subjectOf(identity: Identity, requested: IssueOptions): TokenSubject {
    const keyScopes = identity.scopes ?? null;
    let scopes = keyScopes;
    if (requested.scopes) {
      // identity.claims are the owner's claims already narrowed by the key's scopes.
      const beyond = scopesBeyond(identity.claims, requested.scopes).concat(
        keyScopes === null ? [] : requested.scopes.filter((s) => !keyScopes.includes(s)),
      );
      if (beyond.length) throw new KeywardError('insufficient_scope', `This key cannot grant: ${[...new Set(beyond)].slice(0, 5).join(', ')}.`);
      scopes = requested.scopes;
    }
    return { uid: identity.uid, keyId: identity.keyId!, keyType: identity.keyType!, scopes, generation: identity.secretGeneration! };
  }

  const auditFailure = (info: RequestContext, reason: string, identity?: Identity) =>
    deps.audit.access({
      event: 'token.issue',
      outcome: 'failure',
      actor: identity ? { uid: identity.uid, method: identity.method, keyId: identity.keyId } : {},
      request: auditRequest(info),
      reason,
    });

  /** Authenticates with `verify`, then mints: every issuance path goes through here. */
  async function mint(verify: () => Promise<Identity>, requested: IssueOptions, info: RequestContext): Promise<MintedToken> {
    let identity: Identity;
    try {
      identity = await verify();
    } catch (err) {
      if (err instanceof KeywardError && !isFault(err)) auditFailure(info, err.code);
      throw err;
    }
    const subject = subjectOf(identity, requested);

    const decision = await deps.limiter.take(subject.keyId, subject.keyType);
    if (!decision.allowed) {
      auditFailure(info, 'rate_limited', identity);
      throw new KeywardError('rate_limited', 'Too many tokens issued for this key; reuse the token you have until it nears expiry.', {
        rateLimit: decision,
        retryAfterSeconds: decision.resetSeconds,
      });
    }

    const { SignJWT } = require('jose') as typeof import('jose');
    const { kid, key } = await deps.keyring.signingKey();
    const iat = Math.floor(deps.now() / 1000);
    const jti = randomUUID();
    const exp = iat + Math.min(requested.expiresIn ?? Infinity, tokens.ttlSeconds[subject.keyType]);
    const token = await new SignJWT(privateClaims(subject))
      .setProtectedHeader({ alg: TOKEN_ALG, typ: TOKEN_TYP, kid })
      .setIssuer(tokens.issuer)
      .setSubject(subject.uid)
      .setAudience(tokens.audience)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(exp)
      .setJti(jti)
      .sign(key);

    try {
      await deps.audit.record({
        event: 'token.issue',
        outcome: 'success',
        actor: { uid: identity.uid, method: identity.method, keyId: subject.keyId },
        target: { uid: subject.uid, keyId: subject.keyId, tokenId: jti },
        request: auditRequest(info),
        reason: `expires in ${exp - iat}s`,
      });
    } catch (err) {
      throw unavailable('The audit log is unavailable, so no token was issued; try again shortly.', err);
    }
    return { token, issuedAt: iat, expiresAt: exp, scopes: subject.scopes, rateLimit: decision };
  }

  return {
    async issue(body: Body, info: RequestContext): Promise<IssuedToken> {
      const params = parameters(body);
      const requested = options(params);
      // The body is the credential: anything else that looks like one makes two.
      if (readCredential(info, deps.config.keys.prefix) !== undefined) throw new KeywardError('multiple_credentials', 'Send exactly one credential: the key in the body.');
      const minted = await mint(() => authenticate(params, info), requested, info);
      return { body: { token: minted.token, expires_at: minted.expiresAt }, rateLimit: minted.rateLimit };
    },

    /**
     * The same issuance for a key whose id and secret came apart (OAuth client credentials,
     * `POST /oauth/token`): same verification, limits, claims and audit.
     */
    issueForKey(key: ParsedKey, requested: IssueOptions, info: RequestContext): Promise<MintedToken> {
      return mint(() => deps.verifyApiKey(key, info, FRESH), requested, info);
    },

    /** The JWKS document: the public keys of every enabled version. */
    async jwks(): Promise<{ keys: unknown[] }> {
      return { keys: await deps.keyring.publicJwks() };
    },
  };
}

export type TokenIssuer = ReturnType<typeof tokenIssuer>;
