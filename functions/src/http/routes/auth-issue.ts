import type { RouteContext } from '../route-context';
import { endpoint } from '../endpoint';
import { rateLimitHeaders } from '../errors';

/**
 * `POST /v1/auth/issue`: a key (or a signed token request) in the body → `{token, expires_at}`.
 * The body is the credential, so the route does its own authentication (actions/tokens.ts).
 */
export function registerAuthIssue({ router, http, services }: RouteContext): void {
  endpoint(router, http, '/v1/auth/issue', {
    POST: [
      async ({ body, info }) => {
        const issued = await services.tokens.issue(body, info);
        return { body: issued.body, headers: rateLimitHeaders(issued.rateLimit) };
      },
      { auth: false, secret: true },
    ],
  });
}
