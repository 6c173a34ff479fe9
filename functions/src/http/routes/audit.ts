import type { RouteContext } from '../route-context';
import { queryInput } from '../../audit/query';
import { endpoint } from '../endpoint';

/**
 * `GET /v1/audit`: the audit trail, newest first; see actions/audit-log.ts for who sees what.
 * `GET /v1/audit/verify` and `GET /v1/audit/export` (auditors): a range checked against its hash
 * chains and signed checkpoints, and the file to check it offline (actions/audit-verify.ts).
 */
export function registerAudit({ router, http, services }: RouteContext): void {
  endpoint(router, http, '/v1/audit', {
    GET: async ({ identity, query }) => ({ body: await services.auditLog.query(identity, queryInput(query)) }),
  });
  endpoint(router, http, '/v1/audit/verify', {
    GET: async ({ identity, query }) => ({ body: await services.auditVerify.verify(identity, queryInput(query)) }),
  });
  endpoint(router, http, '/v1/audit/export', {
    GET: async ({ identity, query }) => ({ body: await services.auditVerify.export(identity, queryInput(query)) }),
  });
}
