// Where a webhook may point (functions/src/notifications/address.ts): public unicast addresses and
// dotted public names only, in every spelling the URL parser lets through.
import { addressAllowed, hostNameAllowed } from '../../../functions/src/notifications/address';
import { webhookUrl } from '../../../functions/src/notifications/webhooks';

describe('addressAllowed', () => {
  it.each([
    ['8.8.8.8', true, true],
    ['2001:4860:4860::8888', true, true],
    ['127.0.0.1', false, true],
    ['127.8.9.10', false, true],
    ['::1', false, true],
    ['::ffff:127.0.0.1', false, true], // IPv4-mapped loopback
    ['::ffff:7f00:1', false, true], // the same, as the URL parser writes it
    ['::127.0.0.1', false, true], // IPv4-compatible loopback
    ['10.1.2.3', false, false],
    ['172.16.0.1', false, false],
    ['172.31.255.255', false, false],
    ['192.168.1.1', false, false],
    ['fc00::1', false, false], // unique local
    ['fd00:ec2::254', false, false], // a cloud's metadata service over ULA
    ['169.254.169.254', false, false], // the metadata server
    ['::ffff:169.254.169.254', false, false],
    ['::ffff:a9fe:a9fe', false, false],
    ['fe80::1', false, false],
    ['100.64.0.1', false, false], // carrier-grade NAT
    ['0.0.0.0', false, false],
    ['::', false, false],
    ['224.0.0.1', false, false],
    ['ff02::1', false, false],
    ['255.255.255.255', false, false],
    ['::ffff:10.0.0.1', false, false],
    ['64:ff9b::a00:1', false, false], // NAT64 of 10.0.0.1
    ['2002:a00:1::', false, false], // 6to4 of 10.0.0.1
    ['[::1]', false, true],
    ['not an address', false, false],
  ])('%s: allowed %s (loopback allowed in the emulator: %s)', (address, allowed, inEmulator) => {
    expect(addressAllowed(address, false)).toBe(allowed);
    expect(addressAllowed(address, true)).toBe(inEmulator);
  });
});

describe('hostNameAllowed', () => {
  it.each([
    ['hooks.example.com', true],
    ['hooks.example.com.', true],
    ['localhost', false],
    ['localhost.', false],
    ['LOCALHOST', false],
    ['api.localhost', false],
    ['metadata.google.internal', false],
    ['metadata.google.internal.', false],
    ['printer.local', false],
    ['metadata', false], // a single label resolves through the search domains
    ['intranet.', false],
    ['hooks.example.com..', false],
  ])('%s: %s', (host, allowed) => {
    expect(hostNameAllowed(host, false)).toBe(allowed);
  });

  it('in the emulator allows this machine by name, and nothing else the rules refuse', () => {
    expect(['localhost', 'localhost.', 'hooks.localhost'].map((h) => hostNameAllowed(h, true))).toEqual([true, true, true]);
    expect(['metadata', 'metadata.google.internal.', 'printer.local'].map((h) => hostNameAllowed(h, true))).toEqual([false, false, false]);
  });
});

describe('webhookUrl refuses local destinations however they are written', () => {
  it.each([
    'https://localhost./',
    'https://metadata.google.internal./computeMetadata/v1/',
    'https://foo.localhost/',
    'https://metadata/',
    'https://0x7f.1/', // 127.0.0.1 to the URL parser
    'https://2130706433/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::ffff:169.254.169.254]/',
    'https://[fd00::1]/',
    'https://100.64.1.1/',
  ])('%s', (url) => {
    expect(webhookUrl(url, false)).toBeUndefined();
  });

  it('still takes a public host, with or without the trailing dot', () => {
    expect(webhookUrl('https://hooks.example.com./k', false)).toBe('https://hooks.example.com./k');
  });
});
