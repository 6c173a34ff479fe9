// The trusted-proxy rule for the client address (functions/src/lib/client-address.ts).
import { clientIp, parseTrustedProxies } from '../../../functions/src/lib/client-address';
import { loadConfig } from '../../../functions/src/config';

const ranges = (...entries: string[]) => parseTrustedProxies(entries)!;

describe('client address', () => {
  it('ignores X-Forwarded-For from a caller that is not a trusted proxy', () => {
    expect(clientIp('10.1.2.3', '127.0.0.1', ranges())).toBe('127.0.0.1');
    expect(clientIp('10.1.2.3', '::ffff:198.51.100.7', ranges('uniquelocal'))).toBe('198.51.100.7');
    expect(clientIp('10.1.2.3', '198.51.100.7', loadConfig({}).trustedProxies)).toBe('198.51.100.7');
  });

  it('believes each trusted proxy for the hop before it, and stops at the first address it cannot vouch for', () => {
    // The function's own URL: the platform's front end (link-local here) appended the caller.
    expect(clientIp('6.6.6.6, 203.0.113.5', '169.254.1.1', ranges('linklocal'))).toBe('203.0.113.5');
    // Behind a CDN (198.51.100.0/24 here): the CDN appended the browser, the front end appended the CDN.
    expect(clientIp('6.6.6.6, 203.0.113.5, 198.51.100.20', '169.254.1.1', ranges('linklocal', '198.51.100.0/24'))).toBe('203.0.113.5');
    // The same chain without the CDN's ranges stops at the CDN: never at what the caller wrote.
    expect(clientIp('6.6.6.6, 203.0.113.5, 198.51.100.20', '169.254.1.1', ranges('linklocal'))).toBe('198.51.100.20');
    // A forged private address from a public caller stays the caller's.
    expect(clientIp('10.1.2.3, 203.0.113.5', '169.254.1.1', ranges('linklocal', 'uniquelocal'))).toBe('203.0.113.5');
    // Garbage from a trusted hop: the last address we could vouch for.
    expect(clientIp('not-an-ip', '169.254.1.1', ranges('linklocal'))).toBe('169.254.1.1');
    expect(clientIp('2001:db8::1', '::1', ranges('loopback'))).toBe('2001:db8::1');
  });

  it('refuses a configuration that is not ranges', () => {
    expect(parseTrustedProxies(['10.0.0.0/33'])).toBeUndefined();
    expect(parseTrustedProxies(['hosting'])).toBeUndefined();
    expect(() => loadConfig({ KEYWARD_TRUSTED_PROXIES: 'everyone' })).toThrow(/KEYWARD_TRUSTED_PROXIES/);
    expect(parseTrustedProxies(['LinkLocal', '2001:db8::/32', '192.0.2.1'])).toHaveLength(4);
  });
});
