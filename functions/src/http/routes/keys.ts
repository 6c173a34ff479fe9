import type { RouteContext } from '../route-context';
import { endpoint } from '../endpoint';
import { KeywardError } from '../../errors';

/** The `team` query parameter, if given: once (a repeated one is a 400, never a guess). */
function teamParam(query: URLSearchParams): string | undefined {
  const teams = query.getAll('team');
  if (teams.length > 1) throw new KeywardError('invalid_request', 'team is given more than once.', { field: '/team' });
  return teams[0];
}

export function registerKeys({ router, http, services }: RouteContext): void {
  const keys = services.keys;
  endpoint(router, http, '/v1/keys', {
    // `?team=<id>`: the team's keys (every member reads them); otherwise the caller's own.
    GET: async ({ identity, query }) => ({ body: { keys: await keys.list(identity, teamParam(query)) } }),
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
