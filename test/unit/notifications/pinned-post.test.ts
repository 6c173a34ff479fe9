// A webhook delivery connects only to an address that was checked (functions/src/notifications/
// pinned-post.ts): the host is resolved once through a resolver the test controls, every address
// is judged, and the connection is pinned to the checked one. Receivers are in-process servers.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { addressAllowed } from '../../../functions/src/notifications/address';
import type { DestinationPolicy, Resolver } from '../../../functions/src/notifications/destination';
import { postWebhook } from '../../../functions/src/notifications/pinned-post';

interface Seen {
  host: string;
  headers: IncomingHttpHeaders;
  url: string;
  body: string;
}

interface Receiver {
  port: number;
  seen: Seen[];
  close(): Promise<void>;
}

async function receiver(address: string, port: number, answer: (res: import('node:http').ServerResponse) => void = (res) => res.writeHead(204).end()): Promise<Receiver> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ host: address, headers: req.headers, url: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, address, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A resolver that answers from a table, in turn when a name has several answers, and counts its calls. */
function resolverOf(table: Record<string, string[][]>) {
  const asked: string[] = [];
  const resolve: Resolver = async (host) => {
    const answers = table[host];
    if (!answers) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    const n = asked.filter((h) => h === host).length;
    asked.push(host);
    return answers[Math.min(n, answers.length - 1)]!;
  };
  return { resolve, asked };
}

const post = { headers: { 'content-type': 'application/json', 'keyward-signature': 't=1,v1=00' }, body: '{"id":"n1"}', timeoutMs: 2000 };
const emulatorRule = (a: string) => addressAllowed(a, true);

describe('postWebhook', () => {
  let hooks: Receiver;
  beforeAll(async () => {
    hooks = await receiver('127.0.0.1', 0);
  });
  afterAll(() => hooks.close());
  beforeEach(() => hooks.seen.splice(0));

  it('resolves the name once and posts to the checked address, with the name as Host', async () => {
    const dns = resolverOf({ 'hooks.example.com': [['127.0.0.1']] });
    const status = await postWebhook(`http://hooks.example.com:${hooks.port}/in?t=1`, { resolve: dns.resolve, allowed: emulatorRule }, post);
    expect(status).toBe(204);
    expect(dns.asked).toEqual(['hooks.example.com']);
    expect(hooks.seen).toEqual([
      expect.objectContaining({ url: '/in?t=1', body: '{"id":"n1"}', headers: expect.objectContaining({ host: `hooks.example.com:${hooks.port}`, 'keyward-signature': 't=1,v1=00', 'content-length': '11' }) }),
    ]);
  });

  it.each([
    ['a private address among public ones', ['127.0.0.1', '10.0.0.7']],
    ['the metadata server', ['169.254.169.254']],
    ['an IPv4-mapped private address', ['::ffff:192.168.1.1', '127.0.0.1']],
    ['something that is not an address', ['127.0.0.1', 'not-an-ip']],
  ])('refuses a name that resolves to %s, and never connects', async (_what, addresses) => {
    const dns = resolverOf({ 'hooks.example.com': [addresses] });
    expect(await postWebhook(`http://hooks.example.com:${hooks.port}/in`, { resolve: dns.resolve, allowed: emulatorRule }, post)).toBe('refused');
    expect(hooks.seen).toEqual([]);
  });

  it('refuses loopback outside the emulator', async () => {
    const dns = resolverOf({ 'hooks.example.com': [['127.0.0.1']] });
    expect(await postWebhook(`http://hooks.example.com:${hooks.port}/in`, { resolve: dns.resolve, allowed: (a) => addressAllowed(a, false) }, post)).toBe('refused');
    expect(await postWebhook(`http://127.0.0.1:${hooks.port}/in`, { resolve: dns.resolve, allowed: (a) => addressAllowed(a, false) }, post)).toBe('refused');
    expect(hooks.seen).toEqual([]);
  });

  it('fails, sending nothing, when the name does not resolve or resolves to nothing', async () => {
    const dns = resolverOf({ 'empty.example.com': [[]] });
    const policy: DestinationPolicy = { resolve: dns.resolve, allowed: emulatorRule };
    expect(await postWebhook(`http://gone.example.com:${hooks.port}/in`, policy, post)).toBe('failed');
    expect(await postWebhook(`http://empty.example.com:${hooks.port}/in`, policy, post)).toBe('failed');
    expect(hooks.seen).toEqual([]);
  });

  it('connects to the address it checked when the name rebinds to an internal one', async () => {
    // 127.0.0.1 stands for the public address, 127.0.0.2 for an internal service on the same port.
    const internal = await receiver('127.0.0.2', hooks.port);
    try {
      const dns = resolverOf({ 'hooks.example.com': [['127.0.0.1'], ['127.0.0.2']] });
      const policy: DestinationPolicy = { resolve: dns.resolve, allowed: (a) => a === '127.0.0.1' };
      expect(await postWebhook(`http://hooks.example.com:${hooks.port}/in`, policy, post)).toBe(204);
      expect(await postWebhook(`http://hooks.example.com:${hooks.port}/in`, policy, post)).toBe('refused'); // the next resolution is judged
      expect(dns.asked).toEqual(['hooks.example.com', 'hooks.example.com']);
      expect(hooks.seen.map((s) => s.headers.host)).toEqual([`hooks.example.com:${hooks.port}`]);
      expect(internal.seen).toEqual([]);
    } finally {
      await internal.close();
    }
  });

  it('does not follow a redirect: the status is the result', async () => {
    const redirecting = await receiver('127.0.0.1', 0, (res) => res.writeHead(307, { location: `http://127.0.0.1:${hooks.port}/in` }).end('moved'));
    try {
      const dns = resolverOf({ 'hooks.example.com': [['127.0.0.1']] });
      expect(await postWebhook(`http://hooks.example.com:${redirecting.port}/in`, { resolve: dns.resolve, allowed: emulatorRule }, post)).toBe(307);
      expect(redirecting.seen).toHaveLength(1);
      expect(hooks.seen).toEqual([]);
    } finally {
      await redirecting.close();
    }
  });

  it('gives up within the timeout: a receiver that never answers, a resolver that never answers', async () => {
    const silent = await receiver('127.0.0.1', 0, () => undefined);
    try {
      const dns = resolverOf({ 'hooks.example.com': [['127.0.0.1']] });
      const started = Date.now();
      expect(await postWebhook(`http://hooks.example.com:${silent.port}/in`, { resolve: dns.resolve, allowed: emulatorRule }, { ...post, timeoutMs: 200 })).toBe('failed');
      expect(await postWebhook(`http://hooks.example.com:${hooks.port}/in`, { resolve: () => new Promise(() => undefined), allowed: emulatorRule }, { ...post, timeoutMs: 200 })).toBe('failed');
      expect(Date.now() - started).toBeLessThan(1900);
      expect(silent.seen).toHaveLength(1);
      expect(hooks.seen).toEqual([]);
    } finally {
      await silent.close();
    }
  });

  it('over https, connects to the checked address and names the host in TLS (SNI), not the address', async () => {
    // A bare TCP listener: it records the ClientHello (the server name travels in it in clear) and hangs up.
    const hellos: Buffer[] = [];
    const tcp = createTcpServer((socket) => socket.once('data', (chunk: Buffer) => (hellos.push(chunk), socket.destroy())));
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    try {
      const port = (tcp.address() as AddressInfo).port;
      const dns = resolverOf({ 'hooks.example.com': [['127.0.0.1']] });
      expect(await postWebhook(`https://hooks.example.com:${port}/in`, { resolve: dns.resolve, allowed: emulatorRule }, post)).toBe('failed');
      expect(hellos).toHaveLength(1);
      expect(hellos[0]![0]).toBe(0x16); // a TLS handshake record
      expect(hellos[0]!.includes(Buffer.from('hooks.example.com'))).toBe(true);
      expect(dns.asked).toEqual(['hooks.example.com']);
    } finally {
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    }
  });
});
