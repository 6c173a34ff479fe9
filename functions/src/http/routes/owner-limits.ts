import type { RouteContext } from '../route-context';
import { endpoint } from '../endpoint';

/** The caller's own limits and credits, shared by all their keys (actions/owner-limits.ts). */
export function registerOwnerLimits({ router, http, services }: RouteContext): void {
  const owner = services.ownerLimits;
  endpoint(router, http, '/v1/me/limits', {
    GET: async ({ identity }) => ({ body: await owner.get(identity) }),
    PATCH: async ({ identity, body, info }) => ({ body: await owner.update(identity, body, info) }),
  });
}
