import type { RouteContext } from '../route-context';
import { headerValues, sessionCookies } from '../../credentials/read';
import { readClientCredentials } from '../../oauth/client-auth';
import { invalidClient, OAuthError } from '../../oauth/errors';
import { TOKEN_PATH } from '../../oauth/metadata';
import { parseScope } from '../../tokens/claims';
import { rateLimitHeaders } from '../errors';
import { oauthEndpoint } from '../oauth';

/**
 * `POST /oauth/token`: the OAuth 2.0 client-credentials grant (RFC 6749 §4.4). The client is a
 * key (client id = key id, client secret = the key's secret part), authenticated with
 * `client_secret_basic` or `client_secret_post`. Issuance is `/v1/auth/issue`'s: same
 * verification, limits, claims and `token.issue` audit. `scope` narrows the token within what
 * the key may do. Unrecognised parameters are ignored (RFC 6749 §3.2).
 */
export function registerOAuthToken({ router, http, services }: RouteContext): void {
  oauthEndpoint(router, http, TOKEN_PATH, async ({ info, form }) => {
    const grant = form.get('grant_type');
    if (grant === undefined) throw new OAuthError('invalid_request', 'grant_type is required.');
    if (grant !== 'client_credentials') throw new OAuthError('unsupported_grant_type', 'Only the client_credentials grant is supported.');
    let scopes: string[] | undefined;
    const scope = form.get('scope');
    if (scope !== undefined) {
      scopes = parseScope(scope);
      if (!scopes || scopes.length === 0) throw new OAuthError('invalid_scope', 'scope must be space-separated scope names.');
    }
    const authorization = headerValues(info, 'authorization');
    const client = readClientCredentials(authorization, form, services.config.keys.prefix);
    if (!client) {
      throw invalidClient(authorization.length ? 'Use client_secret_basic or client_secret_post.' : 'Authenticate the client: Basic credentials, or client_id and client_secret.');
    }
    if (headerValues(info, 'x-api-key').length || sessionCookies(headerValues(info, 'cookie').join(';')).length) {
      throw new OAuthError('invalid_request', 'Send exactly one credential: the client credentials.');
    }
    const minted = await services.tokens.issueForKey(client.key, { scopes }, info);
    return {
      body: {
        access_token: minted.token,
        token_type: 'Bearer',
        expires_in: minted.expiresAt - minted.issuedAt,
        ...(minted.scopes === null ? {} : { scope: minted.scopes.join(' ') }),
      },
      headers: rateLimitHeaders(minted.rateLimit),
    };
  });
}
