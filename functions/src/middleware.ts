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
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { requireClaims, type ClaimRequirement } from './credentials/guard';
import type { Identity } from './identity';
import { SIGNATURE_SCHEME } from './credentials/read';
import { rawBody } from './http/body';
import { KeywardError } from './errors';
import { sendError } from './http/handler';
import { rateLimitHeaders } from './http/errors';
import { checkCost } from './limits/call-limiter';
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

type BodyRequest = Request & { rawBody?: Buffer; _body?: boolean };

/** What to change when a parser has consumed the body without keeping its bytes. */
export const RAW_BODY_ADVICE =
  'A body parser read this signed request before keywardAuth, without keeping its bytes: mount keywardAuth before the parser, or keep them with express.json({ verify: (req, _res, buf) => { req.rawBody = buf; } }).';

/** Whether the request declares no body at all. */
function bodiless(req: Request): boolean {
  return Number(req.headers['content-length'] ?? 0) === 0 && req.headers['transfer-encoding'] === undefined;
}

/**
 * The body bytes a signed request's signature covers, whatever the body-parser order:
 * - `req.rawBody` when the platform or a parser's `verify` hook kept them (Cloud Functions does);
 * - else, for a signed request whose stream nobody has read, the stream: the bytes are kept in
 *   `req.rawBody` and parsed into `req.body` as the usual parsers would (JSON, form, text), with
 *   `req._body` set so a parser mounted after this one leaves the request alone;
 * - else (a parser consumed the stream and kept nothing) a 500 that says what to change.
 * Only signed requests cover their body, so other requests' streams are left to the parsers.
 */
async function bodyBytes(req: BodyRequest, limit: number): Promise<Buffer> {
  if (Buffer.isBuffer(req.rawBody)) return req.rawBody;
  const scheme = String(req.headers.authorization ?? '').split(' ')[0]!.toLowerCase();
  if (scheme !== SIGNATURE_SCHEME.toLowerCase() || bodiless(req)) return Buffer.alloc(0);
  if (req._body || req.readableEnded || !req.readable) throw new KeywardError('internal', RAW_BODY_ADVICE);
  const bytes = await rawBody(req, limit);
  req.rawBody = bytes;
  req.body = parsedBody(bytes, req.headers['content-type']);
  req._body = true;
  return bytes;
}

/** The body as express.json / express.urlencoded / express.text would give it. */
function parsedBody(bytes: Buffer, contentType: string | undefined): unknown {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      return bytes.length ? JSON.parse(bytes.toString('utf8')) : {};
    } catch {
      throw new KeywardError('invalid_json', 'The request body is not valid JSON.');
    }
  }
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(bytes.toString('utf8')));
  if (type.startsWith('text/')) return bytes.toString('utf8');
  return bytes;
}

export interface KeywardAuthOptions {
  /** Also require a Firebase App Check token (`X-Firebase-AppCheck`) from one of these apps; `consume` makes each token single-use. */
  appCheck?: { appIds: string[]; consume?: boolean };
  /**
   * What a request costs a key that has credits (default 1): a whole number, or one chosen per
   * request. Rate limits count requests whatever their cost.
   */
  cost?: number | ((req: Request) => number);
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
      const cost = checkCost(typeof options.cost === 'function' ? options.cost(req) : (options.cost ?? 1));
      const identity = await authenticate(info, { cost });
      if (identity.allowanceLeft) res.set(rateLimitHeaders(identity.allowanceLeft.rateLimit));
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

/**
 * The last handler of an app: errors raised before or around Keyward's middleware (a body
 * parser's invalid JSON or oversized body, a malformed URL) as the contract's JSON, never
 * Express's HTML page with a stack trace.
 */
export function keywardErrorHandler(): ErrorRequestHandler {
  return (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    if (err instanceof KeywardError) return sendError(res, err);
    const status = (err as { status?: number; statusCode?: number })?.status ?? (err as { statusCode?: number })?.statusCode;
    if (status === 413) return sendError(res, new KeywardError('payload_too_large', 'The request body is too large.'));
    if ((err as { type?: string })?.type === 'entity.parse.failed') return sendError(res, new KeywardError('invalid_json', 'The request body is not valid JSON.'));
    if (status !== undefined && status >= 400 && status < 500) return sendError(res, new KeywardError('invalid_request', 'The request is malformed.'));
    sendError(res, err);
  };
}
