import type { RouteContext } from '../route-context';
import { queryInput } from '../../audit/query';
import { endpoint } from '../endpoint';

/** `GET /v1/usage?keyId=&uid=&from=&to=`: daily request and failure counts (actions/usage.ts). */
export function registerUsage({ router, http, services }: RouteContext): void {
  endpoint(router, http, '/v1/usage', {
    GET: async ({ identity, query }) => ({ body: await services.usage.query(identity, queryInput(query)) }),
  });
}
