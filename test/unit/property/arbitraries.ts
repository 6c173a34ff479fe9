// Shared generators and assertions for the property suites (test/unit/property/*.test.ts).
import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import { KeywardError, type ErrorCode } from '../../../functions/src/errors';
import { type ParsedKey } from '../../../functions/src/keys/format';
import { KEY_TYPES, type KeyType } from '../../../functions/src/identity';

export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const BASE64URL = BASE62 + '-_';

/** Characters and words with a meaning in one of the grammars under test. */
const SPECIAL = [
  '"', "'", '\\', '\n', '\r', '\t', '\u0000', '\u001f', '\u007f', ' ', '=', ':', ';', ',', '&', '%', '+', '.', '_', '-', '/', '?', '#',
  '(', ')', '*', '<', '>', '!', '~', '@', '[', ']', '{', '}', '\u2028', '\u00a0', '\uFEFF', '\uFFFD', '\uD800', '\uDC00', '\u{1F511}',
  'OR', 'AND', 'NOT', ' OR ', '%00', '%ZZ', '%FF', '%2B', '%20', '=~', '__proto__', 'server_', 'Bearer ', 'ApiKey ',
];

/** One unit of hostile text: a grammar character, any code point (lone surrogates too), or printable ASCII. */
export const hostileUnit: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...SPECIAL),
  fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n)),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.string({ minLength: 1, maxLength: 1 }),
);

export const hostileString = (maxLength = 40): fc.Arbitrary<string> => fc.string({ unit: hostileUnit, maxLength });

export const base62 = (length: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...BASE62), minLength: length, maxLength: length });

/** The checksum as the module's header specifies it (an independent oracle): CRC-32 of `<type>_<id>_<body>`, 6 base62 digits. */
export function specChecksum(type: KeyType, keyId: string, body: string): string {
  let n = crc32(`${type}_${keyId}_${body}`);
  let out = '';
  for (let i = 0; i < 6; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

/** A valid key, drawn deterministically from the seed (no crypto randomness: failures replay and shrink). */
export const validKey: fc.Arbitrary<ParsedKey> = fc
  .record({ type: fc.constantFrom(...KEY_TYPES), keyId: base62(16), body: base62(32) })
  .map(({ type, keyId, body }) => ({ type, keyId, secret: body + specChecksum(type, keyId, body) }));

/** Replaces the character at `index` with `replacement` (which may be several characters or none). */
export const replaceAt = (s: string, index: number, replacement: string): string => s.slice(0, index) + replacement + s.slice(index + 1);

/** Runs `fn`; returns its value, or the KeywardError it threw. Any other throw fails the property. */
export function resultOrApiError<T>(fn: () => T): { ok: true; value: T } | { ok: false; error: KeywardError } {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    if (err instanceof KeywardError) return { ok: false, error: err };
    throw new Error(`threw something other than an KeywardError: ${String(err)}`, { cause: err });
  }
}

export async function resultOrApiErrorAsync<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: KeywardError }> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    if (err instanceof KeywardError) return { ok: false, error: err };
    throw new Error(`threw something other than an KeywardError: ${String(err)}`, { cause: err });
  }
}

/** The error code `fn` throws (an KeywardError), or 'ok'. */
export function codeOf(fn: () => unknown): ErrorCode | 'ok' {
  const r = resultOrApiError(fn);
  return r.ok ? 'ok' : r.error.code;
}
