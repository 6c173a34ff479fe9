import type { RouteContext } from '../route-context';
import { COOKIE_CACHE_CONTROL, clearedSessionCookie } from '../../sessions/cookie';
import type { KeywardError } from '../../errors';
import { endpoint } from '../endpoint';

/**
 * `POST /v1/auth/session` authenticates by the ID token in its body, `DELETE` works without a
 * valid session (signing out always clears the cookie): both run the credential checks themselves.
 */
const noCache = { 'Cache-Control': COOKIE_CACHE_CONTROL };

export function registerSession({ router, http, services }: RouteContext): void {
  const { config } = services;
  // A sign-out that fails still clears the browser's cookie.
  const clearOnError = { 'Set-Cookie': clearedSessionCookie(!config.emulated), ...noCache };
  const errorHeaders = (err: KeywardError) => (err.details.clearSession ? clearOnError : {});
  const { sessions } = services;
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
      { auth: false, secret: true, errorHeaders },
    ],
  });
}
