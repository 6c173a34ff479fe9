import type { RouteContext } from '../route-context';
import { queryInput } from '../../audit/query';
import { endpoint } from '../endpoint';

/** `GET /v1/audit`: the audit trail, newest first; see actions/audit-log.ts for who sees what. */
export function registerAudit({ router, http, services }: RouteContext): void {
  endpoint(router, http, '/v1/audit', {
    GET: async ({ identity, query }) => ({ body: await services.auditLog.query(identity, queryInput(query)) }),
  });
}
