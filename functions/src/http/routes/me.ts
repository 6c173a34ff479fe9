import type { RouteContext } from '../route-context';
import { isInteractive } from '../../identity';
import { endpoint } from '../endpoint';

/**
 * The reference protected view: who the request acts for and how it authenticated; for a key,
 * what it has left (`usage`: the tightest rate limit and its credits).
 */
export function registerMe({ router, http, services }: RouteContext): void {
  endpoint(router, http, '/v1/me', {
    GET: async ({ identity }) => ({
      body: {
        uid: identity.uid,
        // For a person signed in (the console's header); the user record is cached.
        email: isInteractive(identity) ? (await services.users.get(identity.uid))?.email : undefined,
        claims: identity.claims,
        auth: { method: identity.method, keyId: identity.keyId, keyType: identity.keyType, scopes: identity.scopes, actor: identity.actor },
        ...(identity.usage ? { usage: identity.usage } : {}),
      },
    }),
  });
}
