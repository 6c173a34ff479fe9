/**
 * The credential pipeline: read the request's one credential → verify it with the verifier for
 * its kind → apply `On-Behalf-Of` → an Identity. Every outcome is audited (access entries are
 * queued, never awaited). Later credential kinds plug in as one more verifier.
 */
import { auditRequest, type AuditSink } from '../audit/events';
import { accept, enforce, refuse, type Decision } from '../decision';
import { KeywardError, isFault, isKeywardError, unavailable } from '../errors';
import type { CallLimiter } from '../limits/call-limiter';
import type { RequestContext } from '../request';
import type { ParsedKey } from '../keys/format';
import type { UserDirectory, UserRecordLite } from '../store/users';
import type { Identity } from '../identity';
import { readCredential } from './read';

export interface Verifiers {
  session(cookie: string, info: RequestContext): Promise<Identity>;
  idToken(token: string, info: RequestContext): Promise<Identity>;
  accessToken(token: string, info: RequestContext): Promise<Identity>;
  apiKey(key: ParsedKey, info: RequestContext): Promise<Identity>;
  signature(header: string, info: RequestContext): Promise<Identity>;
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
}

export interface AuthenticateOptions {
  /** The credits this request costs a key that has credits (default 1), set by the protected endpoint. */
  cost?: number;
}

export type Authenticate = (info: RequestContext, options?: AuthenticateOptions) => Promise<Identity>;

const UID_PATTERN = /^[A-Za-z0-9_.:@-]{1,128}$/;

/** Reads `iss` without verifying anything: only to choose which verifier gets the token. */
function unverifiedIssuer(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as unknown;
    return typeof payload === 'object' && payload !== null ? ((payload as { iss?: unknown }).iss as string) : undefined;
  } catch {
    return undefined;
  }
}

async function verify(deps: PipelineDeps, info: RequestContext): Promise<Identity> {
  const credential = readCredential(info, deps.keyPrefix);
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
      if (unverifiedIssuer(credential.token) === deps.tokenIssuer) return deps.verifiers.accessToken(credential.token, info);
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

/** The delegating key acting as `user` (an existing, enabled user), with that user's claims. */
export function decideActingFor(identity: Identity, user: UserRecordLite | undefined): Decision<Identity> {
  if (!user || user.disabled) return refuse('forbidden', 'The user in On-Behalf-Of cannot be acted for.');
  return accept({ ...identity, uid: user.uid, claims: user.claims, actor: identity.uid });
}

async function actAs(deps: PipelineDeps, identity: Identity, onBehalfOf: string): Promise<Identity> {
  const uid = enforce(decideDelegation(identity, onBehalfOf));
  return enforce(decideActingFor(identity, await deps.users.get(uid)));
}

export function createAuthenticator(deps: PipelineDeps): Authenticate {
  return async (info, options = {}) => {
    try {
      let identity = await verify(deps, info);
      const usage = await deps.callLimits?.admit(identity, info, options.cost);
      if (usage) identity = { ...identity, usage };
      const onBehalfOf = info.headers['on-behalf-of'];
      if (onBehalfOf !== undefined) identity = await actAs(deps, identity, String(onBehalfOf));
      deps.audit.access({
        event: 'auth.success',
        outcome: 'success',
        actor: { uid: identity.actor ?? identity.uid, method: identity.method, keyId: identity.keyId },
        target: identity.actor ? { uid: identity.uid } : undefined,
        request: auditRequest(info),
      });
      return identity;
    } catch (caught) {
      // A verifier that could not reach its dependency fails closed.
      const err = isKeywardError(caught) ? caught : unavailable('A dependency is unavailable; try again shortly.', caught);
      if (!isFault(err)) {
        deps.audit.access({ event: 'auth.failure', outcome: 'failure', actor: {}, request: auditRequest(info), reason: err.code });
      }
      throw err;
    }
  };
}
