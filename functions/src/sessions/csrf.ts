/**
 * The cross-site request rule for cookie sessions, in one place. Pure: headers in, a verdict out.
 *
 * A browser attaches `__session` to whatever request a page makes, so a request that creates a
 * session, or changes state with one, must prove it comes from our own pages. Browsers tell us
 * where a request comes from in two headers a page cannot forge: `Sec-Fetch-Site` (every current
 * browser) and `Origin` (every browser, on every POST, PUT, PATCH and DELETE). SameSite=Strict
 * on the cookie is the second line; the JSON-only bodies of http/body.ts (a form post is a 415)
 * the third.
 *
 * Firebase Hosting forwards no cookie but `__session`, so the double-submit token cookie of
 * Firebase's session sample cannot work here: these headers are the defence.
 */
import { normalizeOrigin } from '../keys/restrictions';
import { KeywardError } from '../errors';

type Headers = Record<string, string | string[] | undefined>;

export interface CsrfRequest {
  method: string;
  headers: Headers;
}

export interface CsrfOptions {
  /** Origins besides the request's own that may send these requests (KEYWARD_ALLOWED_ORIGINS). */
  allowedOrigins: readonly string[];
  /**
   * Refuse a request that has neither header. True for state changes carried by the cookie:
   * browsers always send `Origin` there, so its absence means a client we cannot place.
   */
  requireBrowserHeaders: boolean;
}

export type CrossSiteReason = 'sec_fetch_site' | 'foreign_origin' | 'no_origin';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const SAME_SITE_FETCH = new Set(['same-origin', 'none']);

/** Methods that may change state: everything but GET, HEAD and OPTIONS. */
export function isStateChanging(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

/** One header value; a repeated header is treated as malformed (undefined means absent). */
function single(headers: Headers, name: string): string | undefined | null {
  const value = headers[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.length === 1 ? value[0]! : null;
  return value;
}

function firstListValue(value: string | undefined | null): string | undefined {
  const first = value?.split(',')[0]?.trim();
  return first ? first : undefined;
}

/**
 * The origins this request was addressed to: scheme + `Host`, and scheme + `X-Forwarded-Host`
 * (behind Firebase Hosting `Host` is the function's own host and `X-Forwarded-Host` the site's).
 * A page cannot set either header on a cross-site request without a CORS preflight, which Keyward
 * never grants, so trusting them cannot let a foreign page in.
 */
export function ownOrigins(headers: Headers): string[] {
  const scheme = (firstListValue(single(headers, 'x-forwarded-proto')) ?? 'http').toLowerCase();
  const out: string[] = [];
  for (const host of [firstListValue(single(headers, 'x-forwarded-host')), firstListValue(single(headers, 'host'))]) {
    const origin = host ? normalizeOrigin(`${scheme}://${host}`) : undefined;
    if (origin && !out.includes(origin)) out.push(origin);
  }
  return out;
}

/** Why the request counts as cross-site, or undefined when it may proceed. */
export function crossSiteReason(req: CsrfRequest, options: CsrfOptions): CrossSiteReason | undefined {
  const fetchSite = single(req.headers, 'sec-fetch-site');
  const origin = single(req.headers, 'origin');
  if (fetchSite === null || (fetchSite !== undefined && !SAME_SITE_FETCH.has(fetchSite.trim().toLowerCase()))) {
    return 'sec_fetch_site';
  }
  if (origin === null) return 'foreign_origin';
  if (origin !== undefined) {
    const normalized = normalizeOrigin(origin.trim()); // `null` (sandboxed pages, redirects) is no origin
    const allowed = options.allowedOrigins.map((o) => normalizeOrigin(o) ?? o);
    if (!normalized || !(ownOrigins(req.headers).includes(normalized) || allowed.includes(normalized))) return 'foreign_origin';
    return undefined;
  }
  if (fetchSite === undefined && options.requireBrowserHeaders) return 'no_origin';
  return undefined;
}

const MESSAGES: Record<CrossSiteReason, string> = {
  sec_fetch_site: 'This request comes from another site, so it cannot use or create a session.',
  foreign_origin: 'This request comes from an origin that may not use or create a session.',
  no_origin: 'A request that changes state with a session cookie must carry an Origin header.',
};

/** Throws 403 `cross_site_request` when the rule refuses the request. */
export function assertSameSite(req: CsrfRequest, options: CsrfOptions): void {
  const reason = crossSiteReason(req, options);
  if (reason) throw new KeywardError('cross_site_request', MESSAGES[reason]);
}
