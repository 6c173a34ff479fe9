import { ipAllowed, narrowClaims, normalizeOrigin, parseCidr, scopesBeyond } from '../../../functions/src/keys/restrictions';

describe('origins', () => {
  it('normalizes an origin and refuses anything else', () => {
    expect(normalizeOrigin('HTTPS://App.Example.com')).toBe('https://app.example.com');
    expect(normalizeOrigin('http://localhost:3000')).toBe('http://localhost:3000');
    for (const bad of ['app.example.com', 'https://a.com/path', 'javascript:alert(1)', 'https://u@a.com', 'null', '']) {
      expect(normalizeOrigin(bad)).toBeUndefined();
    }
  });
});

describe('IP restrictions', () => {
  it('matches IPv4 and IPv6 ranges and bare addresses', () => {
    expect(ipAllowed('10.1.2.3', ['10.0.0.0/8'])).toBe(true);
    expect(ipAllowed('11.1.2.3', ['10.0.0.0/8'])).toBe(false);
    expect(ipAllowed('2001:db8::1', ['2001:db8::/32'])).toBe(true);
    expect(ipAllowed('2001:db9::1', ['2001:db8::/32'])).toBe(false);
    expect(ipAllowed('::ffff:10.0.0.1', ['10.0.0.0/8'])).toBe(true);
    expect(ipAllowed('127.0.0.1', ['127.0.0.1'])).toBe(true);
    expect(ipAllowed('10.0.0.1', ['2001:db8::/32'])).toBe(false);
  });

  it('allows every address when the list is empty, and none when the address is garbage', () => {
    expect(ipAllowed('203.0.113.9', [])).toBe(true);
    expect(ipAllowed('not-an-ip', ['0.0.0.0/0'])).toBe(false);
  });

  it('refuses malformed ranges', () => {
    for (const bad of ['10.0.0.0/33', '10.0.0', 'fe80::/129', 'x/8', '']) expect(parseCidr(bad)).toBeUndefined();
  });
});

describe('scopes', () => {
  const owner = { permissions: ['read', 'write'], auditor: true };

  it('never grants more than the owner has now', () => {
    expect(narrowClaims(owner, ['read', 'delete'])).toEqual({ permissions: ['read'] });
    expect(narrowClaims({ permissions: ['write'] }, ['read', 'admin'])).toEqual({ permissions: [] });
    expect(narrowClaims(owner, ['auditor'])).toEqual({ permissions: [], auditor: true });
  });

  it('keeps the owner claims when the key has no scopes', () => {
    expect(narrowClaims(owner, null)).toBe(owner);
  });

  it('lets an admin key carry any scope', () => {
    expect(narrowClaims({ admin: true }, ['admin', 'x'])).toEqual({ admin: true, permissions: ['x'] });
    expect(scopesBeyond({ admin: true }, ['anything'])).toEqual([]);
    expect(scopesBeyond(owner, ['read', 'admin', 'x'])).toEqual(['admin', 'x']);
  });
});
