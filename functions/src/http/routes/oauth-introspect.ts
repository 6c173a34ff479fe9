import type { RouteContext } from '../route-context';
import type { Identity } from '../../identity';
import { headerValues } from '../../credentials/read';
import { formatKey } from '../../keys/format';
import { readClientCredentials } from '../../oauth/client-auth';
import { invalidClient, OAuthError } from '../../oauth/errors';
import { introspectionBody } from '../../oauth/introspection';
import { INTROSPECTION_PATH } from '../../oauth/metadata';
import { oauthEndpoint } from '../oauth';
import type { Services } from '../../services';
import type { RequestContext } from '../../request';

/**
 * `POST /oauth/introspect` (RFC 7662): a resource server asks whether an access token is active.
 * The caller authenticates with a `server` key: any key credential `/v1` accepts (the key, the
 * pair forms, a signed request), or the key as OAuth client credentials. The answer is
 * `{"active": false}` for anything that would not authenticate now: malformed, expired, signed
 * by a disabled version, its key revoked, expired, paused or regenerated past the grace period
 * (keys/status.ts, the decision `/v1` makes), its owner disabled.
 */
export function registerOAuthIntrospect({ router, http, services }: RouteContext): void {
  oauthEndpoint(router, http, INTROSPECTION_PATH, async ({ info, form }) => {
    await introspectingServer(services, info, form);
    const token = form.get('token');
    if (token === undefined || token === '') throw new OAuthError('invalid_request', 'token is required.');
    return { body: introspectionBody(await services.inspectAccessToken(token)) };
  });
}

/**
 * The caller, through the credential pipeline (audited, limited like any request). OAuth client
 * credentials are handed to it as the equivalent `Authorization: ApiKey` header.
 */
async function introspectingServer(services: Services, info: RequestContext, form: Map<string, string>): Promise<Identity> {
  const client = readClientCredentials(headerValues(info, 'authorization'), form, services.config.keys.prefix);
  let asKey = info;
  if (client) {
    const rawHeaders: string[] = [];
    for (let i = 0; i + 1 < info.rawHeaders.length; i += 2) {
      if (info.rawHeaders[i]!.toLowerCase() !== 'authorization') rawHeaders.push(info.rawHeaders[i]!, info.rawHeaders[i + 1]!);
    }
    asKey = { ...info, rawHeaders: [...rawHeaders, 'Authorization', `ApiKey ${formatKey(client.key)}`] };
  }
  const identity = await services.authenticate(asKey);
  if ((identity.method !== 'api_key' && identity.method !== 'signature') || identity.keyType !== 'server' || identity.actor !== undefined) {
    throw invalidClient('Introspection needs a server key.');
  }
  return identity;
}
