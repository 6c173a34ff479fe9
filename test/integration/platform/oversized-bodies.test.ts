// Bodies over the limit never hurt the stack. Keyward answers 413 only after it has read the body
// (and thrown it away, up to Cloud Run's 32 MiB request limit): a server that answers and stops
// reading leaves the sender writing into a socket that Node resets at its keep-alive timeout, and
// the Functions emulator's proxy exits on that reset, taking Auth, Functions and Hosting with it.
import { request as httpRequest, Agent, type ClientRequest } from 'node:http';
import type { RegisteredRoute } from '../../../functions/src/http/endpoint';
import { buildApp } from '../../../functions/src/app';
import { reached } from '../../harness/eventually';
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import { AUTH_EMULATOR_URL, BASE_URL, TEST_PORTS, TEST_PROJECT_ID, HOST } from '../../harness/ports';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Whether the request went out on a connection an earlier request had used (keep-alive). */
  reused: boolean;
}

const MB = 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'x');

/**
 * Sends `size` bytes of body with `Content-Length`, or in chunks (`Transfer-Encoding: chunked`),
 * and resolves with the answer. An answer can come before the body is sent: writing then goes on.
 */
function send(url: string, method: string, size: number, chunked: boolean, agent?: Agent): Promise<Answer> {
  const target = new URL(url);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  // Said outright: Node's client frames a GET's or DELETE's body only when told.
  if (chunked) headers['transfer-encoding'] = 'chunked';
  else headers['content-length'] = String(size);
  return new Promise((resolve, reject) => {
    // A connection of its own unless one is given (a reset of one an emulator left behind is not
    // this request's), kept alive as browsers, curl and fetch do: the Functions emulator forwards a
    // client's `Connection: close` to the function over a Unix socket, where Node's client then
    // writes into the socket the function closed after answering, and the emulator exits on that
    // (firebase-tools' worker answers twice). No function can prevent it; production is not affected.
    const own = agent ?? new Agent({ keepAlive: true });
    const req: ClientRequest = httpRequest({ host: target.hostname, port: target.port, path: target.pathname, method, headers, agent: own }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString(), reused: req.reusedSocket });
      });
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${url}: no answer within 60 s`)));
    req.on('close', () => {
      if (!agent) own.destroy();
    });
    req.on('error', (err) => {
      reject(new Error(`${method} ${url} (${chunked ? 'chunked' : size} bytes): ${err.message}`, { cause: err }));
    });
    let left = size;
    const pump = () => {
      while (left > 0) {
        const piece = CHUNK.subarray(0, Math.min(CHUNK.length, left));
        left -= piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

/** The route's 413 in its error shape: the contract's, or OAuth's on `/oauth/*`. */
function expectTooLarge(route: RegisteredRoute, where: string, answer: Answer): void {
  let body: unknown = answer.text;
  try {
    body = JSON.parse(answer.text);
  } catch {
    // Not JSON: compared as the text it is.
  }
  const expected = route.errors === 'oauth' ? { error: 'invalid_request', error_description: expect.stringContaining('larger than') } : { error: { code: 'payload_too_large', message: expect.stringContaining('larger than') } };
  expect([where, answer.status, body]).toEqual([where, 413, expected]);
}

let app: InProcessApp;
let routes: readonly RegisteredRoute[];

beforeAll(async () => {
  app = await startInProcessApp();
  routes = buildApp(app.services).locals.routes as readonly RegisteredRoute[];
}, 60_000);
afterAll(() => app?.close());

const pathOf = (route: RegisteredRoute) => route.path.replace(':id', 'kw_0000000000000000');

describe('a body over the limit, on the app itself', () => {
  it.each([
    ['1.2 MB with Content-Length', 1.2 * MB, false],
    ['10 MB with Content-Length', 10 * MB, false],
    ['1.2 MB chunked', 1.2 * MB, true],
  ])('%s is read to its end: the 413 comes back and the connection serves the next request', async (_name, size, chunked) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const refused = await send(`${app.url}/v1/keys`, 'POST', Math.round(size), chunked, agent);
      expectTooLarge(routes.find((r) => r.path === '/v1/keys')!, 'POST /v1/keys', refused);
      expect(refused.headers.connection).toBe('keep-alive');
      // Had the server stopped reading, this would wait behind a body that is never taken, or go out on a new connection.
      const next = await send(`${app.url}/v1/health`, 'GET', 0, false, agent);
      expect([next.status, next.reused]).toEqual([200, true]);
    } finally {
      agent.destroy();
    }
  });
});

describe('bodies over the limit through the local stack', () => {
  const functionsUrl = `http://${HOST}:${TEST_PORTS.functions}/${TEST_PROJECT_ID}/us-central1/api`;
  const hostingUrl = process.env.KEYWARD_BASE_URL ?? BASE_URL;

  it('1.2 MB, 10 MB and chunked bodies to every route, through Hosting and the Functions emulator, leave Auth, Functions and Hosting standing', async () => {
    let lastAnswer = Date.now();
    for (const route of routes) {
      const path = pathOf(route);
      for (const [port, base] of [['functions', functionsUrl], ['hosting', hostingUrl]] as const) {
        for (const [kind, size, chunked] of [['1.2 MB', 1.2 * MB, false], ['10 MB', 10 * MB, false], ['chunked 1.2 MB', 1.2 * MB, true]] as const) {
          const where = `${route.method} ${path} via ${port}, ${kind}`;
          // The Hosting emulator forwards only bodies of a known length on POST, PUT and PATCH; the
          // others it answers itself (500) or drops (a reset). Those never reach Keyward: only the
          // stack's health after them is checked.
          const reachesKeyward = port === 'functions' || (['POST', 'PUT', 'PATCH'].includes(route.method) && !chunked);
          const sent = send(`${base}${path}`, route.method, Math.round(size), chunked);
          if (reachesKeyward) expectTooLarge(route, where, await sent);
          else await sent.catch(() => undefined);
          lastAnswer = Date.now();
        }
      }
    }
    // Node resets a socket left unread at its keep-alive timeout (5 s, plus 1 s) after the answer:
    // the stack must still stand once that has passed for the last one.
    await reached(lastAnswer + 7000);
    const health = await fetch(`${functionsUrl}/v1/health`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    const throughHosting = await fetch(`${hostingUrl}/v1/health`);
    expect([throughHosting.status, await throughHosting.json()]).toEqual([200, { status: 'ok' }]);
    const page = await fetch(`${hostingUrl}/`);
    expect([page.status, page.headers.get('content-type')]).toEqual([200, expect.stringContaining('text/html')]);
    const auth = await fetch(`${AUTH_EMULATOR_URL}/emulator/v1/projects/${TEST_PROJECT_ID}/config`);
    expect(auth.status).toBe(200);
  }, 240_000);
});
