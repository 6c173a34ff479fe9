import type { RouteContext } from '../route-context';
import { endpoint } from '../endpoint';

/** GitHub's secret-scanning reports: signed by GitHub, not by a Keyward credential (secret-scanning/github.ts). */
export function registerSecretScanning({ router, http, services }: RouteContext): void {
  endpoint(router, http, '/v1/secret-scanning/github', {
    POST: [
      async ({ info }) => ({ body: await services.secretScanning.github(info), headers: { 'Cache-Control': 'no-store' } }),
      { auth: false, rawBody: true, bodyLimitBytes: services.config.secretScanning.bodyLimitBytes },
    ],
  });
}
