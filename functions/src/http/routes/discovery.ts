import type { RouteContext } from '../route-context';
import { serverMetadata } from '../../oauth/metadata';
import { endpoint } from '../endpoint';
import { JWKS_CACHE_CONTROL } from './jwks';

/**
 * `GET /.well-known/openid-configuration` (OpenID Connect Discovery) and
 * `GET /.well-known/oauth-authorization-server` (RFC 8414): the same metadata document.
 */
export function registerDiscovery({ router, http, services }: RouteContext): void {
  const { tokens, publicUrl } = services.config;
  const body = serverMetadata(tokens.issuer, publicUrl ?? tokens.issuer);
  for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
    endpoint(router, http, path, { GET: [async () => ({ body, headers: { 'Cache-Control': JWKS_CACHE_CONTROL } }), { auth: false }] });
  }
}
