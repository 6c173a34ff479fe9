import type { RouteContext } from '../route-context';
import { endpoint, routesOf } from '../endpoint';
import { JWKS_CACHE_CONTROL } from './jwks';

/**
 * `GET /openapi.json`: the contract as an OpenAPI 3.1 document (contract/openapi.ts), for every
 * route this app registered. Built on the first request, not at start (zod and the schemas load
 * then), and cacheable like the other public documents.
 */
export function registerOpenApi({ router, http, services }: RouteContext): void {
  let document: unknown;
  endpoint(router, http, '/openapi.json', {
    GET: [
      async () => {
        const { openApiDocument } = require('../../contract/openapi') as typeof import('../../contract/openapi');
        document ??= openApiDocument(routesOf(router), services.config.publicUrl);
        return { body: document, headers: { 'Cache-Control': JWKS_CACHE_CONTROL } };
      },
      { auth: false },
    ],
  });
}
