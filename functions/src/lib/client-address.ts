/**
 * The client address behind proxies: `X-Forwarded-For` entries are believed only through proxies
 * in configured ranges. Pure; used once per request by http/context.ts.
 */
import ipaddr from 'ipaddr.js';
import { memoized } from './memo';

const MAX_FORWARDED_HOPS = 20;

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];
/** Parsed trusted-proxy ranges (config.trustedProxies). */
export type TrustedProxies = readonly Range[];

/** Names for common ranges, as Express's `trust proxy` has them. */
const NAMED_RANGES: Record<string, string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** `10.0.0.0/8, linklocal, 2001:db8::/32` → ranges; undefined when an entry is neither a CIDR nor a name. */
export function parseTrustedProxies(entries: readonly string[]): TrustedProxies | undefined {
  const out: Range[] = [];
  for (const entry of entries) {
    for (const cidr of NAMED_RANGES[entry.toLowerCase()] ?? [entry]) {
      try {
        out.push(cidr.includes('/') ? ipaddr.parseCIDR(cidr) : [ipaddr.parse(cidr), ipaddr.parse(cidr).kind() === 'ipv4' ? 32 : 128]);
      } catch {
        return undefined;
      }
    }
  }
  return out;
}

/** A textual address in canonical form (IPv4-mapped IPv6 as IPv4), or undefined when it is not one. */
function canonical(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  try {
    return ipaddr.process(address);
  } catch {
    return undefined;
  }
}

const trusted = (addr: ipaddr.IPv4 | ipaddr.IPv6, proxies: TrustedProxies) => proxies.some(([range, bits]) => range.kind() === addr.kind() && addr.match(range, bits));

/**
 * The client address: start at the peer that opened the connection; while that peer is a
 * trusted proxy, believe the address it appended to `X-Forwarded-For` (the rightmost entry not
 * yet used) and step to it. The first address not in a trusted range is the client. So entries a
 * caller wrote itself are never reached unless every hop after them is a trusted proxy, and a
 * direct caller's forged header changes nothing. Works the same behind Hosting (two Google hops)
 * and on the function's own URL (one), given the ranges.
 */
export function clientIp(forwardedFor: string | undefined, socketAddress: string | undefined, proxies: TrustedProxies): string {
  if (!socketAddress) return '';
  // Every request derives its address, and a client's requests arrive with the same inputs: the
  // answer (a pure function of them) is remembered, for short inputs, in a bounded memo.
  const key = forwardedFor === undefined ? socketAddress : `${socketAddress}\n${forwardedFor}`;
  if (key.length > MEMO_MAX_KEY) return derive(forwardedFor, socketAddress, proxies);
  let memo = memos.get(proxies);
  if (!memo) {
    memo = memoized((k) => {
      const nl = k.indexOf('\n');
      return nl < 0 ? derive(undefined, k, proxies) : derive(k.slice(nl + 1), k.slice(0, nl), proxies);
    }, MEMO_MAX_ENTRIES);
    memos.set(proxies, memo);
  }
  return memo(key);
}

const MEMO_MAX_KEY = 256;
const MEMO_MAX_ENTRIES = 10_000;
const memos = new WeakMap<TrustedProxies, (key: string) => string>();

function derive(forwardedFor: string | undefined, socketAddress: string, proxies: TrustedProxies): string {
  let addr = canonical(socketAddress);
  if (!addr) return '';
  const hops = (forwardedFor ?? '').split(',').map((s) => s.trim()).filter(Boolean).slice(-MAX_FORWARDED_HOPS);
  while (trusted(addr, proxies) && hops.length > 0) {
    const next = canonical(hops.pop()!);
    if (!next) break; // a trusted proxy would not write garbage: stop at the last address we can vouch for
    addr = next;
  }
  return addr.toString();
}
