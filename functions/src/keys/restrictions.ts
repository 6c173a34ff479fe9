/** Pure checks of a key's restrictions: origins, client addresses (CIDR), scopes. */
import ipaddr from 'ipaddr.js';
import type { Claims } from '../identity';

/** `https://app.example.com` → lowercased `scheme://host[:port]`; undefined if it is not an origin. */
export function normalizeOrigin(value: string): string | undefined {
  if (value.length > 256) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    if (url.origin === 'null' || url.pathname !== '/' || url.search || url.hash) return undefined;
    // User information, a password alone (`https://:p@host`) or an empty one (`https://:@host`, which URL drops) included.
    if (url.username || url.password || value.includes('@')) return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Parses `10.0.0.0/8`, `2001:db8::/32` or a bare address (a /32 or /128). */
export function parseCidr(value: string): Range | undefined {
  if (value.length > 64) return undefined;
  const address = value.split('/')[0]!;
  // ipaddr.js accepts legacy forms like `10.1` (= 10.0.0.1): allow only the usual notations.
  if (!address.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(address)) return undefined;
  try {
    if (value.includes('/')) return ipaddr.parseCIDR(value);
    const addr = ipaddr.parse(value);
    return [addr, addr.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return undefined;
  }
}

export function ipAllowed(ip: string, allowed: string[]): boolean {
  if (allowed.length === 0) return true;
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.process(ip); // IPv4-mapped IPv6 becomes IPv4
  } catch {
    return false;
  }
  return allowed.some((cidr) => {
    const range = parseCidr(cidr);
    return range !== undefined && range[0].kind() === addr.kind() && addr.match(range);
  });
}

export const ROLE_SCOPES = ['admin', 'auditor'] as const;

/** A scope (and so a permission, which a key may be scoped to): the one spelling keys, tokens and claims accept. */
export const SCOPE_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

/** What an owner holds: roles and permissions, as scope strings. */
export function grantsOf(claims: Claims): Set<string> {
  const out = new Set<string>(Array.isArray(claims.permissions) ? claims.permissions.filter((p) => typeof p === 'string') : []);
  if (claims.admin === true) out.add('admin');
  if (claims.admin === true || claims.auditor === true) out.add('auditor');
  return out;
}

/** Scopes the owner does not hold (an admin holds every scope). */
export function scopesBeyond(claims: Claims, scopes: string[]): string[] {
  if (claims.admin === true) return [];
  const grants = grantsOf(claims);
  return scopes.filter((s) => !grants.has(s));
}

/** The owner's current claims narrowed by the key's scopes: never more than the owner has now. */
export function narrowClaims(owner: Claims, scopes: string[] | null): Claims {
  if (scopes === null) return owner;
  const grants = grantsOf(owner);
  const has = (s: string) => owner.admin === true || grants.has(s);
  const allowed = scopes.filter(has);
  const { admin: _admin, auditor: _auditor, permissions: _permissions, ...rest } = owner;
  const narrowed: Claims = { ...rest, permissions: allowed.filter((s) => !(ROLE_SCOPES as readonly string[]).includes(s)) };
  if (allowed.includes('admin')) narrowed.admin = true;
  if (allowed.includes('auditor')) narrowed.auditor = true;
  return narrowed;
}

/** Whether every address of CIDR `inner` lies in CIDR `outer` (same family, at least as long a prefix). */
export function cidrWithin(inner: string, outer: string): boolean {
  const a = parseCidr(inner);
  const b = parseCidr(outer);
  if (!a || !b || a[0].kind() !== b[0].kind() || a[1] < b[1]) return false;
  return (a[0] as ipaddr.IPv4).match(b as [ipaddr.IPv4, number]);
}

/**
 * What a delegated request (`On-Behalf-Of`) may do: only what both the user acted for and the
 * delegating request hold. Roles and permissions are intersected; any other claim is kept only
 * when both hold the same value. So a delegate never gains a role, permission or claim it lacks.
 */
export function intersectClaims(target: Claims, delegator: Claims): Claims {
  const mine = grantsOf(delegator);
  const shared = [...grantsOf(target)].filter((g) => mine.has(g));
  const out: Claims = {};
  for (const [name, value] of Object.entries(target)) {
    if (name === 'admin' || name === 'auditor' || name === 'permissions') continue;
    if (name in delegator && JSON.stringify(delegator[name]) === JSON.stringify(value)) out[name] = value;
  }
  out.permissions = shared.filter((g) => !(ROLE_SCOPES as readonly string[]).includes(g));
  if (shared.includes('admin')) out.admin = true;
  if (shared.includes('auditor')) out.auditor = true;
  return out;
}
