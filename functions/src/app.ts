/**
 * Builds the HTTP app from its services. Used by the Cloud Function, the tests and the
 * benchmarks alike. Every route lives in its own file under http/routes.
 */
import express from 'express';
import { KeywardError } from './errors';
import { routesOf } from './http/endpoint';
import { sendError, type HttpDeps } from './http/handler';
import type { RouteContext } from './http/route-context';
import { registerAudit } from './http/routes/audit';
import { registerAuthIssue } from './http/routes/auth-issue';
import { registerDiscovery } from './http/routes/discovery';
import { registerHealth } from './http/routes/health';
import { registerAuditJwks, registerJwks } from './http/routes/jwks';
import { registerKeys } from './http/routes/keys';
import { registerMe } from './http/routes/me';
import { registerNotifications } from './http/routes/notifications';
import { registerOAuthIntrospect } from './http/routes/oauth-introspect';
import { registerOAuthToken } from './http/routes/oauth-token';
import { registerOpenApi } from './http/routes/openapi';
import { registerOwnerLimits } from './http/routes/owner-limits';
import { registerSecretScanning } from './http/routes/secret-scanning';
import { registerSession } from './http/routes/session';
import { registerUsage } from './http/routes/usage';
import { registerTeams } from './http/routes/teams';
import type { Services } from './services';

const ROUTES: Array<(ctx: RouteContext) => void> = [registerHealth, registerMe, registerKeys, registerSession, registerAudit, registerAuthIssue, registerJwks, registerAuditJwks, registerSecretScanning, registerNotifications, registerUsage, registerOwnerLimits, registerTeams, registerOpenApi];
/** Standard OAuth 2.0 and OpenID endpoints; their errors are OAuth's shape (http/oauth.ts). */
const OAUTH_ROUTES: Array<(ctx: RouteContext) => void> = [registerDiscovery, registerOAuthToken, registerOAuthIntrospect];

export function buildApp(services: Services): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const http: HttpDeps = {
    authenticate: services.authenticate,
    audit: services.audit,
    bodyLimitBytes: services.config.bodyLimitBytes,
    network: services.config,
  };
  const router = express.Router({ caseSensitive: true, strict: false });
  for (const register of [...ROUTES, ...OAUTH_ROUTES]) register({ router, http, services });
  // Every endpoint, for the shared security battery (test/integration/security): none can skip it.
  app.locals.routes = routesOf(router);
  app.use(router);
  app.use((_req, res) => sendError(res, new KeywardError('not_found', 'There is nothing at this path.')));
  // Errors raised before a route runs (a malformed URL, a body the platform could not parse).
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const status = (err as { status?: number }).status;
    const known =
      status === 413
        ? new KeywardError('payload_too_large', 'The request body is too large.')
        : status !== undefined && status >= 400 && status < 500
          ? new KeywardError('invalid_request', 'The request is malformed.')
          : err;
    sendError(res, known);
  });
  return app;
}
