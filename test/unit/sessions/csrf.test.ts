import { assertSameSite, crossSiteReason, isStateChanging, ownOrigins, type CsrfOptions } from '../../../functions/src/sessions/csrf';
import { KeywardError } from '../../../functions/src/errors';

const SITE = 'https://keyward.example.com';
const viaHosting = { host: 'us-central1-demo.cloudfunctions.net', 'x-forwarded-host': 'keyward.example.com', 'x-forwarded-proto': 'https' };
const cookieRule: CsrfOptions = { allowedOrigins: [], requireBrowserHeaders: true };
const bodyRule: CsrfOptions = { allowedOrigins: [], requireBrowserHeaders: false };

const post = (headers: Record<string, string | string[]>) => ({ method: 'POST', headers: { ...viaHosting, ...headers } });

describe('which methods change state', () => {
  it('is every method but GET, HEAD and OPTIONS', () => {
    for (const m of ['GET', 'HEAD', 'OPTIONS', 'get']) expect(isStateChanging(m)).toBe(false);
    for (const m of ['POST', 'PUT', 'PATCH', 'DELETE', 'PROPFIND']) expect(isStateChanging(m)).toBe(true);
  });
});

describe('own origin', () => {
  it('is the scheme with X-Forwarded-Host (the site behind Hosting) and with Host', () => {
    expect(ownOrigins(viaHosting)).toEqual([SITE, 'https://us-central1-demo.cloudfunctions.net']);
    expect(ownOrigins({ host: '127.0.0.1:5000' })).toEqual(['http://127.0.0.1:5000']);
    expect(ownOrigins({ host: 'a.example.com', 'x-forwarded-proto': 'https, http' })).toEqual(['https://a.example.com']);
    expect(ownOrigins({})).toEqual([]);
    expect(ownOrigins({ host: 'bad host/x' })).toEqual([]);
  });
});

describe('the cross-site rule', () => {
  it('lets same-origin browser requests through', () => {
    expect(crossSiteReason(post({ origin: SITE, 'sec-fetch-site': 'same-origin' }), cookieRule)).toBeUndefined();
    expect(crossSiteReason(post({ origin: 'HTTPS://Keyward.Example.com' }), cookieRule)).toBeUndefined();
    expect(crossSiteReason(post({ 'sec-fetch-site': 'same-origin' }), cookieRule)).toBeUndefined();
    expect(crossSiteReason(post({ 'sec-fetch-site': 'none' }), cookieRule)).toBeUndefined();
  });

  it('refuses Sec-Fetch-Site cross-site and same-site (a sibling subdomain is another site to a session)', () => {
    expect(crossSiteReason(post({ origin: SITE, 'sec-fetch-site': 'cross-site' }), cookieRule)).toBe('sec_fetch_site');
    expect(crossSiteReason(post({ 'sec-fetch-site': 'same-site' }), bodyRule)).toBe('sec_fetch_site');
    expect(crossSiteReason(post({ 'sec-fetch-site': ['same-origin', 'cross-site'] }), bodyRule)).toBe('sec_fetch_site');
    expect(crossSiteReason(post({ 'sec-fetch-site': 'garbage' }), bodyRule)).toBe('sec_fetch_site');
  });

  it('refuses a foreign, opaque or malformed Origin', () => {
    for (const origin of ['https://evil.example', 'http://keyward.example.com', 'https://keyward.example.com.evil.example', 'null', 'not a url', SITE + '/path']) {
      expect(crossSiteReason(post({ origin }), bodyRule)).toBe('foreign_origin');
    }
    expect(crossSiteReason(post({ origin: [SITE, 'https://evil.example'] }), bodyRule)).toBe('foreign_origin');
  });

  it('accepts the configured allowed origins', () => {
    const rule = { ...cookieRule, allowedOrigins: ['https://console.example.com', 'https://Other.Example.com/'] };
    expect(crossSiteReason(post({ origin: 'https://console.example.com' }), rule)).toBeUndefined();
    expect(crossSiteReason(post({ origin: 'https://other.example.com' }), rule)).toBeUndefined();
    expect(crossSiteReason(post({ origin: 'https://evil.example' }), rule)).toBe('foreign_origin');
  });

  it('refuses a cookie state change with neither header, but not a body-authenticated one', () => {
    expect(crossSiteReason(post({}), cookieRule)).toBe('no_origin');
    expect(crossSiteReason(post({}), bodyRule)).toBeUndefined();
  });

  it('throws 403 cross_site_request', () => {
    let caught: unknown;
    try {
      assertSameSite(post({ origin: 'https://evil.example' }), bodyRule);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(KeywardError);
    expect(caught).toMatchObject({ code: 'cross_site_request' });
    expect(() => assertSameSite(post({ origin: SITE }), bodyRule)).not.toThrow();
  });
});
