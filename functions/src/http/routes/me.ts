import type { RouteContext } from '../route-context';
import { endpoint } from '../endpoint';

/** The reference protected view: who the request acts for and how it authenticated. */
export function registerMe({ router, http }: RouteContext): void {
  endpoint(router, http, '/v1/me', {
    GET: async ({ identity }) => ({
      body: {
        uid: identity.uid,
        claims: identity.claims,
        auth: { method: identity.method, keyId: identity.keyId, keyType: identity.keyType, scopes: identity.scopes, actor: identity.actor },
      },
    }),
  });
}
