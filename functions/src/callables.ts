/**
 * The console's callable functions share the REST routes' services and rules. A callable's
 * caller proves who they are with an interactive credential, exactly one:
 * - the ID token the Firebase SDK sends (`request.auth`), with the same revocation and disabled
 *   checks as `Authorization: Bearer <ID token>`;
 * - or the `__session` cookie, when the console calls through its same-origin Hosting rewrites
 *   (`/v1/rpc/<name>`): verified by the REST pipeline's session verifier, cross-site rule first.
 */
import type { CallableRequest, FunctionsErrorCode } from 'firebase-functions/v2/https';
import type { Request } from 'express';
import { auditRequest } from './audit/events';
import { identityFromDecoded } from './credentials/firebase-tokens';
import type { Identity } from './identity';
import { auditDenied } from './credentials/pipeline';
import { readCredential } from './credentials/read';
import { KeywardError, asKeywardError, isFault, type ErrorCode } from './errors';
import { requestContext } from './http/context';
import type { RequestContext } from './request';
import type { Body } from './request';
import type { Services } from './services';

/** Every error code has a callable counterpart: the compiler enforces completeness. */
const CALLABLE_CODE: { readonly [C in ErrorCode]: FunctionsErrorCode } = {
  invalid_request: 'invalid-argument',
  invalid_json: 'invalid-argument',
  multiple_credentials: 'invalid-argument',
  credential_in_url: 'invalid-argument',
  unsupported_media_type: 'invalid-argument',
  unauthenticated: 'unauthenticated',
  invalid_credential: 'unauthenticated',
  expired_credential: 'unauthenticated',
  revoked_credential: 'unauthenticated',
  recent_sign_in_required: 'unauthenticated',
  invalid_signature: 'unauthenticated',
  stale_request: 'unauthenticated',
  replayed_request: 'unauthenticated',
  forbidden: 'permission-denied',
  insufficient_scope: 'permission-denied',
  app_check_required: 'unauthenticated',
  invalid_app_check: 'unauthenticated',
  origin_not_allowed: 'permission-denied',
  server_key_in_browser: 'permission-denied',
  ip_not_allowed: 'permission-denied',
  cross_site_request: 'permission-denied',
  interactive_credential_required: 'permission-denied',
  not_found: 'not-found',
  method_not_allowed: 'invalid-argument',
  conflict: 'already-exists',
  payload_too_large: 'invalid-argument',
  rate_limited: 'resource-exhausted',
  quota_exceeded: 'resource-exhausted',
  unavailable: 'unavailable',
  internal: 'internal',
};

export type CallableHandler<T> = (identity: Identity, data: Body, info: RequestContext) => Promise<T>;

function asBody(data: unknown): Body {
  if (data === undefined || data === null) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new KeywardError('invalid_request', 'The request data must be an object.');
  return data as Body;
}

/**
 * Who calls. The request's credentials are read as on `/v1` (credentials/read.ts), so a cookie
 * sent with an ID token is `multiple_credentials`, never a guess. firebase-functions has already
 * verified an `Authorization` header (an invalid one never gets here); a cookie goes through
 * `verifiers.session`, which refuses a foreign page (403 `cross_site_request`) before it costs
 * an Auth call. Either way the caller is interactive, so key management is allowed.
 */
async function callerOf(services: Services, request: CallableRequest, info: RequestContext): Promise<Identity> {
  const credential = readCredential(info, services.config.keys.prefix);
  if (request.auth) return identityFromDecoded(request.auth.token, 'id_token', services.users, 'ID token');
  if (credential?.kind === 'session') return services.verifiers.session(credential.cookie, info);
  throw new KeywardError('unauthenticated', credential ? 'Callable functions take a session cookie or a Firebase ID token.' : 'Sign in first.');
}

/**
 * Runs a handler for a callable request, converting KeywardErrors to HttpsErrors. `name` is the
 * callable's: its audit entries record it as the request path, whatever URL reached it (the
 * function's own, or a Hosting rewrite).
 */
export async function runCallable<T>(services: Services, request: CallableRequest, handler: CallableHandler<T>, name: string): Promise<T> {
  const { HttpsError } = require('firebase-functions/v2/https') as typeof import('firebase-functions/v2/https');
  try {
    const raw = request.rawRequest as unknown as Request;
    // Results carry secrets (a new key) and are per caller: never cached, by Hosting's CDN or anyone.
    raw.res?.setHeader('Cache-Control', 'no-store');
    raw.res?.removeHeader?.('X-Powered-By');
    const info = { ...requestContext(raw, services.config), path: name };
    let identity: Identity;
    try {
      identity = await callerOf(services, request, info);
    } catch (err) {
      // Audited like the REST pipeline's outcomes (credentials/pipeline.ts): queued, never awaited.
      const refusal = asKeywardError(err);
      if (!isFault(refusal)) services.audit.access({ event: 'auth.failure', outcome: 'failure', actor: {}, request: auditRequest(info), reason: refusal.code });
      throw err;
    }
    services.audit.access({ event: 'auth.success', outcome: 'success', actor: { uid: identity.uid, method: identity.method }, request: auditRequest(info) });
    try {
      return await handler(identity, asBody(request.data), info);
    } catch (err) {
      auditDenied(services.audit, identity, info, err);
      throw err;
    }
  } catch (err) {
    const apiError = asKeywardError(err);
    // A 429's wait travels in the details (the callable protocol has no headers of its own): the console counts it down.
    const retryAfter = CALLABLE_CODE[apiError.code] === 'resource-exhausted' ? apiError.details.retryAfterSeconds : undefined;
    throw new HttpsError(CALLABLE_CODE[apiError.code], apiError.message, {
      code: apiError.code,
      ...(apiError.details.field ? { field: apiError.details.field } : {}),
      ...(retryAfter !== undefined ? { retryAfter } : {}),
    });
  }
}

/** Reads a required string id from callable data. */
export function idOf(data: Body): string {
  if (typeof data.id !== 'string') throw new KeywardError('invalid_request', 'id is required.');
  return data.id;
}

/**
 * The `team` of listApiKeys, as `GET /v1/keys?team=` reads it: absent, or a string (a malformed
 * id is the API's 404). Anything else is a 400, never read as "no team" (the caller's own keys).
 */
export function teamOf(data: Body): string | undefined {
  if (data.team === undefined) return undefined;
  if (typeof data.team !== 'string') throw new KeywardError('invalid_request', 'team must be a team id.', { field: '/team' });
  return data.team;
}
