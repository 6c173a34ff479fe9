/**
 * The `Authorization: Keyward-HMAC-SHA256 Credential=<key id>, Timestamp=<unix s>,
 * Nonce=<nonce>, Signature=<hex>` header. The grammar is strict: each of the four parameters
 * exactly once (any order), `, ` or `,` between them, nothing else; each value must have its
 * shape. Parsing is pure and returns a value, never throws.
 */
import { KEY_ID_TOKEN, NONCE_PATTERN, SIGNATURE_PATTERN, TIMESTAMP_PATTERN } from './grammar';

export const SIGNATURE_SCHEME = 'Keyward-HMAC-SHA256';
/** Longer than any well-formed header's parameters (about 200 characters). */
export const MAX_SIGNATURE_HEADER_LENGTH = 512;

export interface SignatureHeader {
  keyId: string;
  timestamp: string;
  nonce: string;
  signature: string;
}

export type ParsedSignatureHeader = { ok: true; value: SignatureHeader } | { ok: false; reason: string };

const FIELDS = { Credential: 'keyId', Timestamp: 'timestamp', Nonce: 'nonce', Signature: 'signature' } as const;
type FieldName = keyof typeof FIELDS;
const PATTERNS: Record<FieldName, RegExp> = {
  Credential: KEY_ID_TOKEN,
  Timestamp: TIMESTAMP_PATTERN,
  Nonce: NONCE_PATTERN,
  Signature: SIGNATURE_PATTERN,
};
const RULES: Record<FieldName, string> = {
  Credential: 'Credential must be a key id.',
  Timestamp: 'Timestamp must be unix seconds.',
  Nonce: 'Nonce must be 16 to 64 characters of A-Z, a-z, 0-9, _ and -.',
  Signature: 'Signature must be 64 lowercase hex characters.',
};

const fail = (reason: string): ParsedSignatureHeader => ({ ok: false, reason });

/** Parses the parameters: what follows the scheme name and a space. */
export function parseSignatureHeader(params: string): ParsedSignatureHeader {
  if (params.length > MAX_SIGNATURE_HEADER_LENGTH) return fail('The signature header is too long.');
  const parts = params.split(',');
  if (parts.length !== 4) return fail('The signature header needs Credential, Timestamp, Nonce and Signature.');
  const out: Partial<SignatureHeader> = {};
  for (let i = 0; i < parts.length; i++) {
    // One optional space after each comma, none anywhere else.
    const part = i > 0 && parts[i]!.startsWith(' ') ? parts[i]!.slice(1) : parts[i]!;
    const eq = part.indexOf('=');
    const name = part.slice(0, eq) as FieldName;
    if (eq === -1 || !Object.prototype.hasOwnProperty.call(FIELDS, name)) {
      return fail('The signature header needs Credential, Timestamp, Nonce and Signature.');
    }
    const field = FIELDS[name];
    if (out[field] !== undefined) return fail(`${name} appears twice in the signature header.`);
    const value = part.slice(eq + 1);
    if (!PATTERNS[name].test(value)) return fail(RULES[name]);
    out[field] = value;
  }
  return { ok: true, value: out as SignatureHeader };
}

/** The header value a client sends. */
export function formatSignatureHeader(h: SignatureHeader): string {
  return `${SIGNATURE_SCHEME} Credential=${h.keyId}, Timestamp=${h.timestamp}, Nonce=${h.nonce}, Signature=${h.signature}`;
}
