import type { RouteContext } from '../../app';
import { endpoint } from '../endpoint';

export function registerHealth({ router, http }: RouteContext): void {
  endpoint(router, http, '/v1/health', { GET: [async () => ({ body: { status: 'ok' } }), { auth: false }] });
}
