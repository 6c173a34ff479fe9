/**
 * Where a webhook delivery may connect: the URL's host resolved once, every address it resolves to
 * judged (one refused address refuses the name: a resolver may hand out any of them), and one
 * checked address chosen to connect to (notifications/pinned-post.ts pins it, so a name that
 * resolves elsewhere a moment later, DNS rebinding, cannot move the connection). Pure: the
 * resolver and the address rule are passed in.
 */
import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

/** A host name's addresses (empty or rejected: it does not resolve). */
export type Resolver = (host: string) => Promise<string[]>;

/** The machine's resolver, every address of both families in the order it answers. */
export const systemResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

export interface DestinationPolicy {
  resolve: Resolver;
  /** notifications/address.ts `addressAllowed`, with the emulator's loopback allowance bound. */
  allowed: (address: string) => boolean;
}

/** The address to connect to, checked. */
export interface Destination {
  address: string;
  family: 4 | 6;
}

export type DestinationCheck = Destination | 'refused' | 'unresolved';

/**
 * Resolves `host` (a URL's hostname; an address literal is judged as it is) within `signal` and
 * checks every address. `unresolved` when the name has no address, the resolver fails or the
 * time ran out; `refused` when any address is not allowed.
 */
export async function checkDestination(host: string, policy: DestinationPolicy, signal?: AbortSignal): Promise<DestinationCheck> {
  const bare = host.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (ipaddr.isValid(bare)) addresses = [bare];
  else {
    try {
      addresses = await withSignal(policy.resolve(bare.replace(/\.$/, '')), signal);
    } catch {
      return 'unresolved';
    }
  }
  if (!addresses.length) return 'unresolved';
  if (!addresses.every((a) => ipaddr.isValid(a) && policy.allowed(a))) return 'refused';
  const address = addresses[0]!;
  return { address, family: ipaddr.parse(address).kind() === 'ipv6' ? 6 : 4 };
}

/** A resolution that cannot be cancelled (dns.lookup) is no longer waited for once `signal` aborts. */
function withSignal<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
