// The load generator: autocannon in its own process (forked by bench/http.ts), so it does not share
// an event loop with the server or the emulators. Runs one spec per IPC message and answers with
// the numbers; a signed spec gets a fresh nonce and signature per request (setupRequest).
import { signRequest, type SigningKey } from '../client/src/index';

export interface LoadSpec {
  url: string;
  path: string;
  headers: Record<string, string>;
  /** Sign every request with this key (Keyward-HMAC-SHA256, a new nonce each time). */
  sign?: SigningKey;
  connections: number;
  seconds: number;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Status code → count, when anything but 2xx came back. */
  statuses: Record<string, number>;
}

// autocannon ships no types: the part of its programmatic API used here.
interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  setupRequest?: (req: AutocannonRequest) => AutocannonRequest;
}
interface AutocannonResult {
  requests: { total: number };
  latency: { p50: number; p99: number };
  duration: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = require('autocannon') as Autocannon;

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const request: AutocannonRequest = { method: 'GET', path: spec.path, headers: spec.headers };
  if (spec.sign) {
    const key = spec.sign;
    const target = `${spec.url}${spec.path}`;
    request.setupRequest = (req) => ({ ...req, headers: { ...req.headers, ...signRequest(key, { method: 'GET', url: target }) } });
  }
  const r = await autocannon({
    url: spec.url,
    connections: spec.connections,
    pipelining: 1,
    duration: spec.seconds,
    requests: [request],
    timeout: 10,
  });
  const statuses: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(r.statusCodeStats ?? {})) if (!code.startsWith('2')) statuses[code] = count;
  return {
    requests: r.requests.total,
    seconds: r.duration,
    rps: r.requests.total / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statuses,
  };
}

if (require.main === module) {
  process.on('message', (msg: { id: number; spec: LoadSpec }) => {
    runLoad(msg.spec).then(
      (value) => process.send!({ id: msg.id, ok: true, value }),
      (err: Error) => process.send!({ id: msg.id, ok: false, error: String(err?.stack ?? err) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ id: 0, ok: true, value: null });
}
