import type { RouteContext } from '../route-context';
import { endpoint } from '../endpoint';

export function registerKeys({ router, http, services }: RouteContext): void {
  const keys = services.keys;
  endpoint(router, http, '/v1/keys', {
    GET: async ({ identity }) => ({ body: { keys: await keys.list(identity) } }),
    POST: async ({ identity, body, info }) => ({ status: 201, body: await keys.create(identity, body, info) }),
  });
  endpoint(router, http, '/v1/keys/:id', {
    GET: async ({ identity, params }) => ({ body: await keys.get(identity, params.id!) }),
    PATCH: async ({ identity, params, body, info }) => ({ body: await keys.update(identity, params.id!, body, info) }),
    DELETE: async ({ identity, params, info }) => ({ body: await keys.revoke(identity, params.id!, info) }),
  });
  endpoint(router, http, '/v1/keys/:id/regenerate', {
    POST: async ({ identity, params, body, info }) => ({ body: await keys.regenerate(identity, params.id!, body, info) }),
  });
}
