/**
 * Authorization server metadata (RFC 8414), served as OpenID Connect Discovery's
 * `/.well-known/openid-configuration` too, so gateways and libraries that discover keys from an
 * issuer find the JWKS, the token endpoint and the introspection endpoint. Keyward issues access
 * tokens with the client-credentials grant only: no authorization endpoint, no ID tokens. Pure.
 */
import { TOKEN_ALG } from '../tokens/claims';

export const TOKEN_PATH = '/oauth/token';
export const INTROSPECTION_PATH = '/oauth/introspect';
export const JWKS_PATH = '/.well-known/jwks.json';
export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post'] as const;

/** `baseUrl`: where the site answers (`KEYWARD_PUBLIC_URL`, else the issuer), without a trailing slash. */
export function serverMetadata(issuer: string, baseUrl: string) {
  return {
    issuer,
    jwks_uri: baseUrl + JWKS_PATH,
    token_endpoint: baseUrl + TOKEN_PATH,
    introspection_endpoint: baseUrl + INTROSPECTION_PATH,
    grant_types_supported: ['client_credentials'],
    response_types_supported: [],
    token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    introspection_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    // OpenID Discovery requires these two; the algorithm is the access tokens' (no ID token is issued).
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [TOKEN_ALG],
  };
}
