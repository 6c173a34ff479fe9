import type { RouteContext } from '../route-context';
import { endpoint } from '../endpoint';

/**
 * `GET /.well-known/jwks.json`: the public keys that verify access tokens, current and previous
 * (every enabled version). Cacheable for 5 minutes: a verifier that meets an unknown kid
 * refetches (jose's createRemoteJWKSet does), and versions are published as soon as enabled.
 */
export const JWKS_CACHE_CONTROL = 'public, max-age=300';

export function registerJwks({ router, http, services }: RouteContext): void {
  endpoint(router, http, '/.well-known/jwks.json', {
    GET: [async () => ({ body: await services.tokens.jwks(), headers: { 'Cache-Control': JWKS_CACHE_CONTROL } }), { auth: false }],
  });
}

/**
 * `GET /.well-known/audit-jwks.json`: the public keys that verify the audit chains' checkpoints
 * (docs/audit.md#checkpoints), every enabled version of the audit signing secret. An auditor keeps
 * a copy: a checkpoint verifies only with the key that signed it.
 */
export function registerAuditJwks({ router, http, services }: RouteContext): void {
  endpoint(router, http, '/.well-known/audit-jwks.json', {
    GET: [async () => ({ body: { keys: await services.auditJwks() }, headers: { 'Cache-Control': JWKS_CACHE_CONTROL } }), { auth: false }],
  });
}
