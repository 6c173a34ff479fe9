import type { RouteContext } from '../route-context';
import { isInteractive } from '../../identity';
import { endpoint } from '../endpoint';
import { isKeywardError } from '../../errors';

const unlessUnavailable = (err: unknown) => {
  if (isKeywardError(err) && err.code === 'unavailable') return undefined;
  throw err;
};

/**
 * The reference protected view: who the request acts for and how it authenticated; for a key,
 * its allowance left (published as `usage`: the tightest rate limit and its credits); for a
 * person signed in, their own limits shared by all their keys (`limits`, as `GET /v1/me/limits`).
 */
export function registerMe({ router, http, services }: RouteContext): void {
  const teamOf = async (id: string) => ({ id, name: (await services.teamAccess.team(id))?.name ?? '' });
  endpoint(router, http, '/v1/me', {
    GET: async ({ identity }) => ({
      body: {
        uid: identity.uid,
        // For a person signed in (the console's header); the user record is cached.
        email: isInteractive(identity) ? (await services.users.get(identity.uid))?.email : undefined,
        claims: identity.claims,
        auth: { method: identity.method, keyId: identity.keyId, keyType: identity.keyType, scopes: identity.scopes, actor: identity.actor },
        ...(identity.allowanceLeft ? { usage: identity.allowanceLeft } : {}),
        // A team key acts for its team: named here, as the access tokens it mints name it in `sub`.
        ...(identity.team !== undefined ? { team: await teamOf(identity.team) } : {}),
        // Interactive only: key-based requests already see their owner's limits within `usage`, at no extra read.
        // Shown when they can be read: who the caller is does not depend on them (Firestore down: left out).
        ...(isInteractive(identity) ? { limits: await services.ownerLimits.get(identity).catch(unlessUnavailable) } : {}),
      },
    }),
  });
}
