/**
 * The API key string: `<type>_<key id>_<secret>`, e.g. `server_3hG7…_Vb81…`.
 * The key id is public; the secret carries 190 random bits and ends with a 6-character
 * checksum (CRC-32 over the whole key, base62) so typos and truncated keys are refused
 * without touching the datastore. Parsing is pure and never throws.
 */
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { KEY_TYPES, type KeyType } from '../identity';


const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_ID_LENGTH = 16;
const SECRET_BODY_LENGTH = 32; // 32 × log2(62) ≈ 190 bits
const CHECKSUM_LENGTH = 6; // 62^6 > 2^32
const SECRET_LENGTH = SECRET_BODY_LENGTH + CHECKSUM_LENGTH;
const KEY_PATTERN = /^(server|web|mobile)_([A-Za-z0-9]{16})_([A-Za-z0-9]{38})$/;
const KEY_ID_PATTERN = /^[A-Za-z0-9]{16}$/;
const SECRET_PATTERN = /^[A-Za-z0-9]{38}$/;
/** Longer than any key we make: refuse before running a regular expression on it. */
export const MAX_KEY_LENGTH = 64;

export interface ParsedKey {
  type: KeyType;
  keyId: string;
  /** The secret part including its checksum: what the digest is computed over. */
  secret: string;
}

/** Uniform base62 characters by rejection sampling (no modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

function checksum(withoutChecksum: string): string {
  let n = crc32(withoutChecksum);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

export function newKeyId(): string {
  return randomBase62(KEY_ID_LENGTH);
}

export function newSecret(type: KeyType, keyId: string): string {
  const body = randomBase62(SECRET_BODY_LENGTH);
  return body + checksum(`${type}_${keyId}_${body}`);
}

export function formatKey(key: ParsedKey): string {
  return `${key.type}_${key.keyId}_${key.secret}`;
}

function checksumMatches(type: KeyType, keyId: string, secret: string): boolean {
  const body = secret.slice(0, SECRET_BODY_LENGTH);
  return checksum(`${type}_${keyId}_${body}`) === secret.slice(SECRET_BODY_LENGTH);
}

/** Parses a full key string; undefined for anything malformed or with a bad checksum. */
export function parseKey(input: string): ParsedKey | undefined {
  if (input.length > MAX_KEY_LENGTH) return undefined;
  const match = KEY_PATTERN.exec(input);
  if (!match) return undefined;
  const [, type, keyId, secret] = match as unknown as [string, KeyType, string, string];
  return checksumMatches(type, keyId, secret) ? { type, keyId, secret } : undefined;
}

/** True when the string has the shape of a key (used to tell keys from JWTs in `Bearer`). */
export function looksLikeKey(input: string): boolean {
  return /^(server|web|mobile)_/.test(input);
}

/**
 * The pair forms carry the id and the secret apart, without the type: the checksum covers the
 * type too, so the one type whose checksum matches is the key's type.
 */
export function parseKeyPair(keyId: string, secret: string): ParsedKey | undefined {
  if (!KEY_ID_PATTERN.test(keyId) || secret.length !== SECRET_LENGTH || !SECRET_PATTERN.test(secret)) return undefined;
  const type = KEY_TYPES.find((t) => checksumMatches(t, keyId, secret));
  return type ? { type, keyId, secret } : undefined;
}

export function isKeyId(value: string): boolean {
  return KEY_ID_PATTERN.test(value);
}
