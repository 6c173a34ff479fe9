/**
 * Firebase App Check for client keys: a `web` or `mobile` key (or a project's own endpoint, through
 * `keywardAuth`) may require an App Check token in `X-Firebase-AppCheck` from one of its allowed
 * app ids, so that a key copied out of an app is useless outside that app. Optionally the token is
 * consumed (single use, replay protection). The verifier is a port (platform/app-check.ts):
 * firebase-admin in production.
 */
import { isKeywardError, KeywardError, unavailable } from '../errors';
import { headerValue, type RequestContext } from '../request';

export const APP_CHECK_HEADER = 'x-firebase-appcheck';
export const APP_ID_PATTERN = /^[0-9]{1,20}:[0-9]{1,20}:[a-z]{2,10}:[0-9a-f]{1,64}$/;

/** A verified App Check token. */
export interface AppCheckClaims {
  appId: string;
  /** Set when `consume` was asked: true when the token had been consumed before. */
  alreadyConsumed?: boolean;
}

/** Verifies a token's signature and claims; rejects with `InvalidAppCheckToken` for a bad token, anything else for a fault. */
export type AppCheckVerifier = (token: string, consume: boolean) => Promise<AppCheckClaims>;

export class InvalidAppCheckToken extends Error {}

export interface AppCheckRequirement {
  appIds: string[];
  consume: boolean;
}

const challenge = 'X-Firebase-AppCheck';
const invalid = (message: string) => new KeywardError('invalid_app_check', message, { challenge });

/** The app id of the request's App Check token when it meets `requirement`; a 401 otherwise, a 503 when it cannot be verified. */
export async function requireAppCheck(verify: AppCheckVerifier | undefined, info: Pick<RequestContext, 'headers'>, requirement: AppCheckRequirement): Promise<string> {
  const token = headerValue(info.headers, APP_CHECK_HEADER);
  if (!token) throw new KeywardError('app_check_required', 'This key needs a Firebase App Check token in X-Firebase-AppCheck.', { challenge });
  if (token.length > 4096) throw invalid('The App Check token is not valid.');
  if (!verify) throw unavailable('App Check verification is not configured.');
  let claims: AppCheckClaims;
  try {
    claims = await verify(token, requirement.consume);
  } catch (err) {
    if (err instanceof InvalidAppCheckToken) throw invalid('The App Check token is not valid.');
    if (isKeywardError(err)) throw err;
    throw unavailable('App Check tokens cannot be verified right now; try again shortly.', err);
  }
  if (!requirement.appIds.includes(claims.appId)) throw invalid('The App Check token is from an app this key does not allow.');
  if (requirement.consume && claims.alreadyConsumed) throw invalid('The App Check token was already used.');
  return claims.appId;
}
