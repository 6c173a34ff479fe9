// Webhook hosts resolved from a table instead of DNS (ServiceOverrides.resolveHost): the test
// machine may have no resolver, and a test decides which names are public and which are not.
import type { Resolver } from '../../functions/src/notifications/destination';

/** A resolver answering from `table`; other names do not resolve (ENOTFOUND). */
export function hostTable(table: Record<string, string[]>): Resolver {
  return async (host) => {
    const addresses = table[host.toLowerCase()];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses;
  };
}

/** Names the tests use: a public receiver, and names of the project's own network. */
export const TEST_HOSTS = hostTable({
  'hooks.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  'intranet.example.com': ['10.20.30.40'],
  'rebound.example.com': ['93.184.215.14', '169.254.169.254'],
  'loopback.example.com': ['127.0.0.1'],
});
