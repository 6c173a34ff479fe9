// Properties of the key restriction parsers (functions/src/keys/restrictions.ts: origins, CIDR
// ranges, client addresses) and of the cross-site rule that reads Origin with them (functions/src/sessions/csrf.ts).
import fc from 'fast-check';
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { crossSiteReason, ownOrigins } from '../../../functions/src/sessions/csrf';
import { ipAllowed, normalizeOrigin, parseCidr } from '../../../functions/src/keys/restrictions';
import { hostileString } from './arbitraries';

const port = fc.integer({ min: 1, max: 65535 });
const scheme = fc.mixedCase(fc.constantFrom('http', 'https'));
const host = fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6().map((a) => `[${a}]`), fc.constantFrom('localhost', 'LOCALHOST', 'App.Example.COM'));
const userinfo = fc.oneof(
  fc.constantFrom('u@', 'u:p@', ':p@', ':@', 'user:@', 'a%40b:c@', '%3Ap@'),
  fc.webAuthority({ withUserInfo: true }).filter((a) => a.includes('@')).map((a) => a.slice(0, a.lastIndexOf('@') + 1)),
);

/** What an origin is, per the URL Standard: the scheme and host in lower case, the port unless it is the scheme's default. */
function expectedOrigin(s: string, h: string, p: number | undefined): string {
  const lowerScheme = s.toLowerCase();
  const defaultPort = lowerScheme === 'https' ? 443 : 80;
  return `${lowerScheme}://${new URL(`${lowerScheme}://${h}`).hostname}${p === undefined || p === defaultPort ? '' : `:${p}`}`;
}

describe('normalizeOrigin (property)', () => {
  it('never throws; what it returns is an http(s) origin that normalizes to itself', () => {
    const anything = fc.oneof(
      hostileString(60),
      fc.webUrl({ withQueryParameters: true, withFragments: true, authoritySettings: { withUserInfo: true, withPort: true, withIPv4: true, withIPv6: true } }),
      fc.tuple(scheme, fc.constantFrom('://', ':/', ':', ':///'), hostileString(20)).map((p) => p.join('')),
    );
    fc.assert(
      fc.property(anything, (value) => {
        const origin = normalizeOrigin(value);
        if (origin === undefined) return;
        expect(origin).toMatch(/^https?:\/\/[^/?#@\s]+$/);
        expect(origin).toBe(new URL(origin).origin);
        expect(normalizeOrigin(origin)).toBe(origin);
      }),
      { numRuns: 500 },
    );
  });

  it('normalizes scheme and host case, default ports and a bare trailing slash', () => {
    fc.assert(
      fc.property(scheme, host, fc.option(port, { nil: undefined }), fc.boolean(), (s, h, p, slash) => {
        const value = `${s}://${h}${p === undefined ? '' : `:${p}`}${slash ? '/' : ''}`;
        expect(normalizeOrigin(value)).toBe(expectedOrigin(s, h, p));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses an origin with user information (a user name, a password, or both)', () => {
    fc.assert(
      fc.property(scheme, userinfo, host, fc.option(port, { nil: undefined }), (s, info, h, p) => {
        expect(normalizeOrigin(`${s}://${info}${h}${p === undefined ? '' : `:${p}`}`)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a path, a query, a fragment, or another scheme', () => {
    const tail = fc.oneof(
      fc.webPath().filter((p) => new URL(`http://h${p}`).pathname !== '/'), // `/.` is `/`
      fc.webQueryParameters().filter((q) => q !== '').map((q) => `/?${q}`),
      fc.webFragments().filter((f) => f !== '').map((f) => `#${f}`),
    );
    fc.assert(
      fc.property(scheme, host, tail, fc.constantFrom('', 'ftp', 'ws', 'file', 'javascript', 'data'), (s, h, t, other) => {
        expect(normalizeOrigin(`${s}://${h}${t}`)).toBeUndefined();
        if (other) expect(normalizeOrigin(`${other}://${h}`)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });
});

/** Membership by Node's own implementation (node:net BlockList), independent of ipaddr.js. */
function reference(ip: string, network: string, prefix: number): boolean {
  const family = isIPv4(network) ? 'ipv4' : 'ipv6';
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return list.check(ip, family);
}

const IPV4_COMPATIBLE = /^::\d+\.\d+\.\d+\.\d+$/;

describe('parseCidr and ipAllowed (property)', () => {
  it('never throw on arbitrary text; a parsed range has a prefix its address family allows', () => {
    const text = fc.oneof(
      hostileString(40),
      fc.tuple(fc.oneof(fc.ipV4(), fc.ipV4Extended(), fc.ipV6(), hostileString(10)), fc.constantFrom('', '/'), fc.oneof(fc.nat({ max: 200 }).map(String), hostileString(4))).map((p) => p.join('')),
    );
    fc.assert(
      fc.property(text, fc.oneof(fc.ipV4(), fc.ipV6(), hostileString(20)), (cidr, ip) => {
        const range = parseCidr(cidr);
        if (range !== undefined) {
          const [addr, bits] = range;
          expect(Number.isInteger(bits) && bits >= 0 && bits <= (addr.kind() === 'ipv4' ? 32 : 128)).toBe(true);
        }
        const allowed = ipAllowed(ip, [cidr]);
        if (range === undefined) expect(allowed).toBe(false);
        expect(ipAllowed(ip, [])).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('accepts every IPv4 and IPv6 range and bare address in the usual notation, and refuses prefixes out of range', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), fc.nat({ max: 300 }), (addr, bits) => {
        const max = isIPv4(addr) ? 32 : 128;
        const range = parseCidr(`${addr}/${bits}`);
        if (bits <= max) expect(range?.[1]).toBe(bits);
        else expect(range).toBeUndefined();
        expect(parseCidr(addr)?.[1]).toBe(max);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses the legacy IPv4 spellings (short, octal, hex, leading zeros)', () => {
    const fourPartDecimal = /^(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,2})){3}$/;
    fc.assert(
      fc.property(fc.ipV4Extended(), fc.nat({ max: 32 }), (addr, bits) => {
        fc.pre(!fourPartDecimal.test(addr));
        expect(parseCidr(addr)).toBeUndefined();
        expect(parseCidr(`${addr}/${bits}`)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('decides membership as node:net does, for IPv4, IPv6, and IPv4-mapped IPv6 clients', () => {
    const sameFamily = fc.oneof(
      fc.tuple(fc.ipV4(), fc.ipV4(), fc.nat({ max: 32 })),
      // ipaddr.js reads the deprecated IPv4-compatible spelling `::a.b.c.d` as IPv4-mapped (`::ffff:a.b.c.d`),
      // so a client written that way is matched as IPv4; node:net does not. No real client has such an address.
      fc.tuple(fc.ipV6(), fc.ipV6(), fc.nat({ max: 128 })).filter(([n, a]) => !IPV4_COMPATIBLE.test(n) && !IPV4_COMPATIBLE.test(a)),
      // Often inside the range: the client shares the network's leading octets.
      fc.tuple(fc.ipV4(), fc.nat({ max: 255 }), fc.nat({ max: 32 })).map(([net, last, bits]): [string, string, number] => [net, net.replace(/\.\d+$/, `.${last}`), bits]),
    );
    fc.assert(
      fc.property(sameFamily, ([network, ip, bits]) => {
        const expected = reference(ip, network, bits);
        expect(ipAllowed(ip, [`${network}/${bits}`])).toBe(expected);
        if (isIPv4(ip)) {
          expect(ipAllowed(`::ffff:${ip}`, [`${network}/${bits}`])).toBe(expected);
          expect(ipAllowed(ip, ['2001:db8::/32', `${network}/${bits}`])).toBe(expected);
        }
        if (isIPv6(ip)) expect(ipAllowed(ip, [network])).toBe(reference(ip, network, 128));
      }),
      { numRuns: 500 },
    );
  });
});

describe('crossSiteReason (property)', () => {
  const headerValue = <T>(arb: fc.Arbitrary<T>) => fc.option(fc.oneof({ weight: 4, arbitrary: arb }, fc.array(arb, { minLength: 0, maxLength: 2 })), { nil: undefined });
  const authority = fc.oneof(fc.domain(), fc.tuple(fc.domain(), port).map(([d, p]) => `${d}:${p}`));

  it('never throws on arbitrary headers; a request it lets through came from its own or an allowed origin', () => {
    const headers = fc.record(
      {
        'sec-fetch-site': headerValue(fc.oneof(fc.constantFrom('same-origin', 'none', 'same-site', 'cross-site', ' Same-Origin '), hostileString(10))),
        origin: headerValue(fc.oneof(fc.constantFrom('null', 'https://app.example.com', 'https://evil.example'), authority.map((a) => `https://${a}`), hostileString(30))),
        host: headerValue(fc.oneof(authority, fc.constant('app.example.com'), hostileString(20))),
        'x-forwarded-host': headerValue(fc.oneof(authority, hostileString(20))),
        'x-forwarded-proto': headerValue(fc.oneof(fc.constantFrom('https', 'http', 'HTTPS', 'https, http'), hostileString(8))),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(headers, fc.constantFrom('GET', 'POST', 'DELETE'), fc.boolean(), fc.subarray(['https://app.example.com', 'not an origin', 'HTTPS://OTHER.example:443']), (h, method, require, allowed) => {
        const reason = crossSiteReason({ method, headers: h }, { allowedOrigins: allowed, requireBrowserHeaders: require });
        expect([undefined, 'sec_fetch_site', 'foreign_origin', 'no_origin']).toContain(reason);
        if (reason !== undefined) return;
        const origin = h.origin;
        expect(Array.isArray(origin) && origin.length !== 1).toBe(false);
        const one = Array.isArray(origin) ? origin[0]! : origin;
        if (one === undefined) return;
        const normalized = normalizeOrigin(one.trim());
        expect(normalized).toBeDefined();
        const trusted = [...ownOrigins(h), ...allowed.map((o) => normalizeOrigin(o) ?? o)];
        expect(trusted).toContain(normalized);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses an Origin of another site, whatever Host, X-Forwarded-Host and Sec-Fetch-Site say', () => {
    fc.assert(
      fc.property(fc.domain(), fc.domain(), fc.option(fc.constantFrom('same-origin', 'none', 'cross-site'), { nil: undefined }), fc.constantFrom('http', 'https'), (own, foreign, fetchSite, proto) => {
        fc.pre(own.toLowerCase() !== foreign.toLowerCase());
        const headers = { host: own, 'x-forwarded-host': own, 'x-forwarded-proto': proto, origin: `${proto}://${foreign}`, ...(fetchSite ? { 'sec-fetch-site': fetchSite } : {}) };
        expect(crossSiteReason({ method: 'POST', headers }, { allowedOrigins: [], requireBrowserHeaders: true })).toBeDefined();
        expect(crossSiteReason({ method: 'POST', headers: { ...headers, origin: `${proto}://${own}` } }, { allowedOrigins: [], requireBrowserHeaders: true })).toBe(
          fetchSite === 'cross-site' ? 'sec_fetch_site' : undefined,
        );
      }),
      { numRuns: 500 },
    );
  });
});
