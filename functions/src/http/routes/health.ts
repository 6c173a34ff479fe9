import type { RouteContext } from '../route-context';
import { endpoint } from '../endpoint';

export function registerHealth({ router, http }: RouteContext): void {
  endpoint(router, http, '/v1/health', { GET: [async () => ({ body: { status: 'ok' } }), { auth: false }] });
}
