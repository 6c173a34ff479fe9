import type { RouteContext } from '../../app';
import { idTokenChecker } from '../../credentials/firebase-tokens';
import { COOKIE_CACHE_CONTROL } from '../../sessions/cookie';
import { sessionService } from '../../sessions/service';
import { endpoint } from '../endpoint';

/**
 * `POST /v1/auth/session` authenticates by the ID token in its body, `DELETE` works without a
 * valid session (signing out always clears the cookie): both run the credential checks themselves.
 */
const noCache = { 'Cache-Control': COOKIE_CACHE_CONTROL };

export function registerSession({ router, http, services }: RouteContext): void {
  const { config } = services;
  const sessions = sessionService({
    rules: config.sessions,
    secureCookies: !config.emulated,
    allowedOrigins: config.allowedOrigins,
    auth: services.auth,
    users: services.users,
    audit: services.audit,
    checkIdToken: idTokenChecker(services.auth, services.users),
    authenticate: http.authenticate,
    now: services.now,
  });
  endpoint(router, http, '/v1/auth/session', {
    POST: [
      async ({ body, info }) => {
        const session = await sessions.create(body, info);
        return { body: { uid: session.uid, expiresAt: session.expiresAt }, cookies: [session.setCookie], headers: noCache };
      },
      { auth: false, secret: true },
    ],
    DELETE: [
      async ({ query, info }) => ({ status: 204, cookies: [(await sessions.end(query, info)).clearCookie], headers: noCache }),
      { auth: false, secret: true },
    ],
  });
}
