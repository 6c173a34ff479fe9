/**
 * Keyward's credential pipeline as Express middleware, for a project's own endpoints:
 *
 *   const services = createServices(loadConfig());
 *   app.get('/reports', keywardAuth(services), requireClaimsMiddleware({ role: 'auditor' }), handler);
 *
 * `keywardAuth` accepts every credential kind `/v1` accepts (session cookie with the cross-site
 * rule, ID token, API key, access token, signed request), audits it like `/v1`, and puts the
 * Identity on `res.locals.keyward`. Refusals are the contract's JSON errors.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { requireClaims, type ClaimRequirement } from './credentials/guard';
import type { Identity } from './identity';
import { SIGNATURE_SCHEME } from './credentials/read';
import { rawBody } from './http/body';
import { sendError } from './http/handler';
import { requestContext } from './http/context';
import type { Services } from './services';
import { auditRequest } from './audit/events';
import { requireAppCheck, type AppCheckRequirement } from './credentials/app-check';
import { isFault, isKeywardError } from './errors';
import type { RequestContext } from './request';

/** The Identity `keywardAuth` found, or undefined before it ran. */
export function identityOf(res: Response): Identity | undefined {
  return res.locals.keyward as Identity | undefined;
}

/**
 * The body bytes a signed request's signature covers. Cloud Functions keeps them in `req.rawBody`.
 * Elsewhere only a signed request's body is read here (and kept in `req.rawBody`); mount
 * `keywardAuth` before any body parser there.
 */
async function bodyBytes(req: Request & { rawBody?: Buffer }, limit: number): Promise<Buffer> {
  if (Buffer.isBuffer(req.rawBody)) return req.rawBody;
  const scheme = String(req.headers.authorization ?? '').split(' ')[0]!.toLowerCase();
  if (scheme !== SIGNATURE_SCHEME.toLowerCase()) return Buffer.alloc(0);
  req.rawBody = await rawBody(req, limit);
  return req.rawBody;
}

export interface KeywardAuthOptions {
  /** Also require a Firebase App Check token (`X-Firebase-AppCheck`) from one of these apps; `consume` makes each token single-use. */
  appCheck?: { appIds: string[]; consume?: boolean };
}

export function keywardAuth(services: Services, options: KeywardAuthOptions = {}): RequestHandler {
  const { config, authenticate } = services;
  const appCheck = options.appCheck && { appIds: options.appCheck.appIds, consume: options.appCheck.consume === true };
  return async (req: Request, res: Response, next: NextFunction) => {
    const info = requestContext(req, config);
    res.set('X-Request-Id', info.requestId);
    res.set('Cache-Control', 'no-store');
    try {
      info.rawBody = await bodyBytes(req, config.bodyLimitBytes);
      const identity = await authenticate(info);
      if (appCheck) await appCheckFor(services, info, appCheck);
      res.locals.keyward = identity;
    } catch (err) {
      sendError(res, err, info.requestId);
      return;
    }
    next();
  };
}

/** The endpoint's App Check requirement; a refusal is audited like a refused credential. */
async function appCheckFor(services: Services, info: RequestContext, requirement: AppCheckRequirement): Promise<void> {
  try {
    await requireAppCheck(services.appCheck, info, requirement);
  } catch (err) {
    if (isKeywardError(err) && !isFault(err)) {
      services.audit.access({ event: 'auth.failure', outcome: 'failure', actor: {}, request: auditRequest(info), reason: err.code });
    }
    throw err;
  }
}

/** Refuses (401/403, the contract's JSON) unless `keywardAuth` found an identity meeting `requirement`. */
export function requireClaimsMiddleware(requirement: ClaimRequirement): RequestHandler {
  return (_req: Request, res: Response, next: NextFunction) => {
    try {
      requireClaims(identityOf(res), requirement);
    } catch (err) {
      sendError(res, err);
      return;
    }
    next();
  };
}
