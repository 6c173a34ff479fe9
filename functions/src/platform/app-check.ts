/**
 * The App Check verifiers behind the port in credentials/app-check.ts.
 * - Production: firebase-admin's `getAppCheck().verifyToken(token, {consume})`, loaded lazily.
 * - The local stack and tests: the Firebase emulators have no App Check, and firebase-admin
 *   verifies only against Google's fixed JWKS URL (no emulator mode, no setting for the URL), so
 *   it cannot be pointed at local keys. `jwksAppCheckVerifier` checks what firebase-admin checks
 *   (RS256, the App Check issuer, `projects/<project>` in `aud`, `sub` = the app id, expiry)
 *   against a local JWKS (KEYWARD_APP_CHECK_JWKS_URL, accepted only under the emulators), and
 *   remembers consumed token ids in memory.
 */
import type { App } from 'firebase-admin/app';
import { InvalidAppCheckToken, type AppCheckVerifier } from '../credentials/app-check';

const APP_CHECK_ISSUER = 'https://firebaseappcheck.googleapis.com/';

/** firebase-admin error codes that mean "this token is bad", not "we could not check". */
const BAD_TOKEN = new Set(['app-check/invalid-argument', 'app-check/app-check-token-expired', 'app-check/permission-denied']);

export function firebaseAppCheckVerifier(app: () => App): AppCheckVerifier {
  return async (token, consume) => {
    const { getAppCheck } = require('firebase-admin/app-check') as typeof import('firebase-admin/app-check');
    try {
      const result = await getAppCheck(app()).verifyToken(token, consume ? { consume: true } : undefined);
      return { appId: result.appId, alreadyConsumed: result.alreadyConsumed };
    } catch (err) {
      if (BAD_TOKEN.has((err as { code?: string }).code ?? '')) throw new InvalidAppCheckToken('invalid App Check token', { cause: err });
      throw err;
    }
  };
}

export function jwksAppCheckVerifier(options: { jwksUrl: string; projectId: string; now: () => number }): AppCheckVerifier {
  let jwks: ReturnType<typeof import('jose').createRemoteJWKSet> | undefined;
  const consumed = new Map<string, number>();
  return async (token, consume) => {
    const jose = require('jose') as typeof import('jose');
    jwks ??= jose.createRemoteJWKSet(new URL(options.jwksUrl));
    let payload: import('jose').JWTPayload;
    try {
      ({ payload } = await jose.jwtVerify(token, jwks, {
        algorithms: ['RS256'],
        audience: `projects/${options.projectId}`,
        currentDate: new Date(options.now()),
      }));
    } catch (err) {
      if (err instanceof jose.errors.JOSEError && !(err instanceof jose.errors.JWKSTimeout)) throw new InvalidAppCheckToken('invalid App Check token', { cause: err });
      throw err;
    }
    if (typeof payload.iss !== 'string' || !payload.iss.startsWith(APP_CHECK_ISSUER) || typeof payload.sub !== 'string' || payload.sub === '') {
      throw new InvalidAppCheckToken('invalid App Check token claims');
    }
    if (!consume) return { appId: payload.sub };
    const id = payload.jti ?? token;
    const alreadyConsumed = consumed.has(id);
    consumed.set(id, (payload.exp ?? 0) * 1000);
    if (consumed.size > 10_000) for (const [k, exp] of consumed) if (exp < options.now()) consumed.delete(k);
    return { appId: payload.sub, alreadyConsumed };
  };
}
