// Helpers of the hardening tests: a fetch that times itself and gives up instead of hanging, and
// the contract's error shape as a user checks it.
import { jsonOf } from '../../harness/auth';

export interface Reply {
  status: number;
  headers: Headers;
  /** Parsed JSON body, undefined when the body is empty or not JSON. */
  json: any;
  text: string;
  /** Milliseconds from sending the request to the end of the body. */
  ms: number;
}

/** fetch with a hard limit: a request that hangs fails the test with a clear message instead of timing it out. */
export async function send(url: string, init: RequestInit = {}, limitMs = 20_000): Promise<Reply> {
  const started = Date.now();
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'manual', ...init, signal: AbortSignal.timeout(limitMs) });
  } catch (err) {
    throw new Error(`${init.method ?? 'GET'} ${url}: no answer within ${limitMs} ms (${(err as Error).message})`, { cause: err });
  }
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: jsonOf(text), text, ms: Date.now() - started };
}

/** What a stack trace or an internal path looks like in a body. */
export const LEAK = /\n\s+at |\bat [\w.<>]+ \(|node_modules|\.(?:ts|js):\d+|Error: \d+ [A-Z_]+/;

/**
 * The contract's error: `{"error": {"code": "<snake_case>", "message": "<human sentence>"}}` and
 * nothing else, as JSON, never cached, never a stack trace. Returns the code.
 */
export function contractError(res: Reply): string {
  const where = `${res.status} ${res.text.slice(0, 300)}`;
  if (!(res.headers.get('content-type') ?? '').startsWith('application/json')) throw new Error(`error is not JSON: ${where}`);
  const body = res.json as { error?: { code?: unknown; message?: unknown } } | undefined;
  if (!body || Object.keys(body).join() !== 'error' || !body.error) throw new Error(`not the contract's error shape: ${where}`);
  const keys = Object.keys(body.error).sort().join();
  if (keys !== 'code,message' && keys !== 'code,field,message') throw new Error(`error has fields ${keys}, not code, message and an optional field: ${where}`);
  if ('field' in body.error && (typeof (body.error as { field?: unknown }).field !== 'string' || !/^(\/[^/]*)+$/.test((body.error as { field: string }).field))) throw new Error(`field is not a JSON pointer: ${where}`);
  if (typeof body.error.code !== 'string' || !/^[a-z]+(?:_[a-z]+)*$/.test(body.error.code)) throw new Error(`code is not snake_case: ${where}`);
  if (typeof body.error.message !== 'string' || body.error.message.length < 5) throw new Error(`message is not a sentence: ${where}`);
  if (LEAK.test(res.text)) throw new Error(`the error leaks internals: ${where}`);
  if (res.headers.get('cache-control') !== 'no-store') throw new Error(`an error without Cache-Control: no-store: ${where}`);
  return body.error.code;
}
