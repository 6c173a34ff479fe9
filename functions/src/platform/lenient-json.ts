/**
 * The Cloud Functions runtime (and its emulator) parses JSON bodies with body-parser before
 * Keyward runs, and answers malformed JSON with its own HTML 400. Both load this module before
 * they build their parsers, so we wrap body-parser's `json()` factory: a parse failure leaves
 * the raw body in place and lets the request through, and http/body.ts answers it with the
 * contract's `invalid_json`. Only parse failures are let through; every other error stands.
 * Best effort by design: if the runtime uses another copy of body-parser, nothing changes.
 */
type Middleware = (req: unknown, res: unknown, next: (err?: unknown) => void) => void;

export function makeJsonParsingLenient(): void {
  let bodyParser: Record<string, unknown>;
  try {
    bodyParser = require('body-parser') as Record<string, unknown>;
  } catch {
    return;
  }
  const original = bodyParser.json as ((options?: unknown) => Middleware) | undefined;
  if (typeof original !== 'function' || (original as { lenient?: boolean }).lenient) return;
  const lenient = (options?: unknown): Middleware => {
    const parse = original(options);
    return (req, res, next) =>
      parse(req, res, (err) => next((err as { type?: string } | undefined)?.type === 'entity.parse.failed' ? undefined : err));
  };
  Object.assign(lenient, { lenient: true });
  Object.defineProperty(bodyParser, 'json', { configurable: true, enumerable: true, value: lenient });
}
