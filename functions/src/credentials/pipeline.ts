/**
 * The credential pipeline: read the request's one credential → verify it with the verifier for
 * its kind → apply `On-Behalf-Of` → an Identity. Every outcome is audited (access entries are
 * queued, never awaited). Later credential kinds plug in as one more verifier.
 */
import { auditRequest, type AuditSink } from '../audit/events';
import { accept, enforce, refuse, type Decision } from '../decision';
import { KeywardError, asKeywardError, isFault, type ErrorCode } from '../errors';
import type { CallLimiter } from '../limits/call-limiter';
import type { FailureLimiter } from '../limits/failure-limiter';
import type { RequestContext } from '../request';
import type { ParsedKey } from '../keys/format';
import { intersectClaims } from '../keys/restrictions';
import type { UserDirectory, UserRecordLite } from '../store/users';
import { UID_PATTERN, type Identity } from '../identity';
import { countFailedVerification } from './failed-verification';
import type { VerifyOptions } from './key-credential';
import { credentialsInQuery, readCredential, triedKeyId, type Credential } from './read';

export interface Verifiers {
  session(cookie: string, info: RequestContext): Promise<Identity>;
  idToken(token: string, info: RequestContext): Promise<Identity>;
  accessToken(token: string, info: RequestContext): Promise<Identity>;
  apiKey(key: ParsedKey, info: RequestContext, options?: VerifyOptions): Promise<Identity>;
  signature(header: string, info: RequestContext): Promise<Identity>;
  /** Whether this exact token verified as an access token before: then it is one, with no need to decode it. */
  knownAccessToken?(token: string): boolean;
}

export interface PipelineDeps {
  verifiers: Verifiers;
  users: UserDirectory;
  audit: AuditSink;
  /** The `iss` of Keyward's access tokens: tells them apart from Firebase ID tokens. */
  tokenIssuer: string;
  /** Limits and credits of key-based credentials (api_key, access_token, signature), shared across instances. */
  callLimits?: CallLimiter;
  /** The deployment's key prefix (config.keys.prefix): the pair forms' checksum covers it. */
  keyPrefix?: string;
  /** The owner of a key id, if it exists: names who to tell about a key sent in a URL. */
  keyOwner?: (keyId: string) => Promise<string | undefined>;
  /** Failed verifications of every kind count per client address (credentials/failed-verification.ts). */
  failures?: FailureLimiter;
  now?: () => number;
}

export interface AuthenticateOptions {
  /** The credits this request costs a key that has credits (default 1), set by the protected endpoint. */
  cost?: number;
}

export type Authenticate = (info: RequestContext, options?: AuthenticateOptions) => Promise<Identity>;

/** Reads `iss` without verifying anything: only to choose which verifier gets the token. */
function unverifiedIssuer(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as unknown;
    return typeof payload === 'object' && payload !== null ? ((payload as { iss?: unknown }).iss as string) : undefined;
  } catch {
    return undefined;
  }
}

async function verify(deps: PipelineDeps, info: RequestContext, credential: Credential | undefined): Promise<Identity> {
  if (!credential) {
    throw new KeywardError('unauthenticated', 'This endpoint needs a credential.', { challenge: 'Bearer' });
  }
  switch (credential.kind) {
    case 'session':
      return deps.verifiers.session(credential.cookie, info);
    case 'api_key':
      return deps.verifiers.apiKey(credential.key, info);
    case 'signature':
      return deps.verifiers.signature(credential.header, info);
    case 'jwt':
      if (deps.verifiers.knownAccessToken?.(credential.token) || unverifiedIssuer(credential.token) === deps.tokenIssuer) return deps.verifiers.accessToken(credential.token, info);
      if (credential.fromQuery) {
        throw new KeywardError('invalid_credential', 'Only access tokens are accepted in the URL.', { challenge: 'Bearer' });
      }
      return deps.verifiers.idToken(credential.token, info);
  }
}

/** `On-Behalf-Of` may be sent only with a server key whose owner may delegate, and must name a user id. */
export function decideDelegation(identity: Identity, onBehalfOf: string): Decision<string> {
  const owner = identity.claims;
  const mayDelegate = owner.admin === true || (owner.permissions ?? []).includes('delegate');
  if (identity.keyType !== 'server' || !mayDelegate) {
    return refuse('forbidden', 'Only a server key whose owner has the delegate permission may send On-Behalf-Of.');
  }
  if (!UID_PATTERN.test(onBehalfOf)) return refuse('invalid_request', 'On-Behalf-Of must be a user id.');
  return accept(onBehalfOf);
}

/** The delegating key acting as `user` (an existing, enabled user), with the grants both hold. */
export function decideActingFor(identity: Identity, user: UserRecordLite | undefined): Decision<Identity> {
  if (!user || user.disabled) return refuse('forbidden', 'The user in On-Behalf-Of cannot be acted for.');
  // Only the grants both hold (the target's ∩ the owner's as narrowed by the key's scopes; the scopes stay).
  return accept({ ...identity, uid: user.uid, claims: intersectClaims(user.claims, identity.claims), actor: identity.uid });
}

async function actAs(deps: PipelineDeps, identity: Identity, onBehalfOf: string): Promise<Identity> {
  const uid = enforce(decideDelegation(identity, onBehalfOf));
  return enforce(decideActingFor(identity, await deps.users.get(uid)));
}

/**
 * A refusal of an authenticated request (403, or 404 for someone else's resource): audited as
 * `access.denied` with its reason code. Faults and caller errors (400, 409) are not refusals.
 */
export function auditDenied(audit: AuditSink, identity: Identity, info: RequestContext, caught: unknown): void {
  const err = asKeywardError(caught);
  if (!DENIALS.has(err.code)) return;
  audit.access({
    event: 'access.denied',
    outcome: 'failure',
    actor: { uid: identity.actor ?? identity.uid, method: identity.method, keyId: identity.keyId },
    target: identity.actor ? { uid: identity.uid } : undefined,
    request: auditRequest(info),
    reason: err.code,
  });
}

const DENIALS = new Set<ErrorCode>([
  'forbidden',
  'insufficient_scope',
  'origin_not_allowed',
  'ip_not_allowed',
  'cross_site_request',
  'interactive_credential_required',
  'not_found',
  'rate_limited',
]);

/** A key or signing secret sent in a URL is flagged (`key.exposure`) for its owner: it may sit in logs now. */
async function flagExposure(deps: PipelineDeps, info: RequestContext): Promise<void> {
  for (const keyId of credentialsInQuery(info.rawQuery, deps.keyPrefix).exposed) {
    const uid = await deps.keyOwner?.(keyId).catch(() => undefined);
    deps.audit.access({ event: 'key.exposure', outcome: 'failure', actor: {}, target: { uid, keyId }, request: auditRequest(info), reason: 'credential_in_url' });
  }
}

/** A failed verification counted per address: past the limit, 429 instead of the refusal. */
async function counted(deps: PipelineDeps, info: RequestContext, err: KeywardError): Promise<KeywardError> {
  if (!deps.failures) return err;
  try {
    return await countFailedVerification(deps.failures, info.ip, err, (deps.now ?? Date.now)());
  } catch (fault) {
    return asKeywardError(fault); // the limiter's store down: as for keys (matchingRecord), its fault is the answer
  }
}

export function createAuthenticator(deps: PipelineDeps): Authenticate {
  return async (info, options = {}) => {
    let credential: Credential | undefined;
    let identity: Identity;
    try {
      credential = readCredential(info, deps.keyPrefix);
      identity = await verify(deps, info, credential);
    } catch (caught) {
      // Programming errors are 500, a dependency that failed 503 (its verifier says so): both are logged at the edge.
      // Session cookies and JWTs that fail verification count here; keys and signatures where their
      // secrets are matched (matchingRecord), and a credential the reader refused as malformed not at all
      // (refused without the datastore: it can never be a right guess).
      const refused = asKeywardError(caught);
      const err = credential?.kind === 'session' || credential?.kind === 'jwt' ? await counted(deps, info, refused) : refused;
      const keyId = credential && triedKeyId(credential);
      // A fault is audited as an `error` (not the caller's failure): the trail shows requests that could not be decided.
      deps.audit.access({ event: 'auth.failure', outcome: isFault(err) ? 'error' : 'failure', actor: keyId ? { keyId } : {}, request: auditRequest(info), reason: err.code });
      if (err.code === 'credential_in_url') await flagExposure(deps, info);
      throw err;
    }
    try {
      const allowanceLeft = await deps.callLimits?.admit(identity, info, options.cost);
      if (allowanceLeft) identity = { ...identity, allowanceLeft };
      const onBehalfOf = info.headers['on-behalf-of'];
      if (onBehalfOf !== undefined) identity = await actAs(deps, identity, String(onBehalfOf));
    } catch (caught) {
      auditDenied(deps.audit, identity, info, caught);
      throw caught;
    }
    deps.audit.access({
      event: 'auth.success',
      outcome: 'success',
      actor: { uid: identity.actor ?? identity.uid, method: identity.method, keyId: identity.keyId },
      target: identity.actor ? { uid: identity.uid } : undefined,
      request: auditRequest(info),
    });
    return identity;
  };
}
