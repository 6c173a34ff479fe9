/**
 * Which addresses a webhook may reach: public unicast only. Loopback, private (RFC 1918, ULA
 * fc00::/7), link-local (169.254/16 with the metadata server, fe80::/10), CGNAT (100.64/10),
 * unspecified, multicast, broadcast and reserved ranges are refused, in every spelling (an
 * IPv4-mapped or -compatible IPv6 address is judged as the IPv4 address it carries; NAT64 and 6to4
 * prefixes, which can carry any IPv4 address, are refused). In the emulator (`allowLoopback`) a
 * receiver on this machine is allowed.
 */
import ipaddr from 'ipaddr.js';

export function addressAllowed(address: string, allowLoopback: boolean): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  if (!ipaddr.isValid(bare)) return false;
  const range = ipaddr.process(bare).range();
  return range === 'unicast' || (allowLoopback && range === 'loopback');
}

/**
 * A host name a webhook may name: a dotted public name. Refused: names that mean this machine or
 * the project's network (`localhost`, `*.localhost`, `*.internal` such as the metadata server,
 * `*.local`), single labels (resolved through the local search domains), each with or without the
 * trailing dot that names the same host; `localhost` names only in the emulator (`allowLocal`).
 * Addresses are judged by `addressAllowed`.
 */
export function hostNameAllowed(host: string, allowLocal: boolean): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === '' || name.endsWith('.')) return false;
  // This machine: a receiver of the emulator's only.
  if (name === 'localhost' || name.endsWith('.localhost')) return allowLocal;
  if (!name.includes('.')) return false;
  return !['internal', 'local'].some((suffix) => name === suffix || name.endsWith(`.${suffix}`));
}
