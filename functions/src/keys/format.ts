/**
 * The API key string: `[<prefix>_]<type>_<key id>_<secret>`, e.g. `acme_server_3hG7…_Vb81…`.
 * The prefix is the deployment's (KEYWARD_KEY_PREFIX), so secret scanners can tell its keys
 * from anyone else's; keys made before a prefix was configured have none and keep working.
 * The key id is public; the secret carries 190 random bits and ends with a 6-character
 * checksum (CRC-32 over the whole key, prefix included, base62) so typos and truncated keys
 * are refused without touching the datastore. Parsing is pure and never throws.
 *
 * Signing secrets have the same traceable shape, `[<prefix>_]kws_<key id>_<mac><checksum>`, so a
 * leaked one names its key (secret-scanning/); those handed out before had the opaque `kws_<mac>`.
 */
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { KEY_TYPES, type KeyType } from '../identity';


const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_ID_LENGTH = 16;
const SECRET_BODY_LENGTH = 32; // 32 × log2(62) ≈ 190 bits
const CHECKSUM_LENGTH = 6; // 62^6 > 2^32
const SECRET_LENGTH = SECRET_BODY_LENGTH + CHECKSUM_LENGTH;
const PREFIX = '[a-z][a-z0-9]{1,15}';
const KEY_PATTERN = new RegExp(`^(?:(${PREFIX})_)?(server|web|mobile)_([A-Za-z0-9]{16})_([A-Za-z0-9]{38})$`);
const LOOKS_LIKE_KEY = new RegExp(`^(?:${PREFIX}_)?(?:server|web|mobile)_`);
const PREFIX_PATTERN = new RegExp(`^${PREFIX}$`);
/** Words a prefix may not be: they would read as a key type or a signing secret. */
const RESERVED_PREFIXES = new Set(['server', 'web', 'mobile', 'kws']);
const SIGNING_MAC_LENGTH = 43; // 32 bytes in base62
const SIGNING_PATTERN = new RegExp(`^(?:(${PREFIX})_)?kws_([A-Za-z0-9]{16})_([A-Za-z0-9]{${SIGNING_MAC_LENGTH + 6}})$`);
const KEY_ID_PATTERN = /^[A-Za-z0-9]{16}$/;
const SECRET_PATTERN = /^[A-Za-z0-9]{38}$/;
/** Longer than any key we make: refuse before running a regular expression on it. */
export const MAX_KEY_LENGTH = 80;

export interface ParsedKey {
  /** The deployment prefix the key was made with; absent on keys made without one. */
  prefix?: string;
  type: KeyType;
  keyId: string;
  /** The secret part including its checksum: what the digest is computed over. */
  secret: string;
}

/** A deployment prefix: 2–16 lowercase letters and digits, starting with a letter, not a reserved word. */
export function isKeyPrefix(value: string): boolean {
  return PREFIX_PATTERN.test(value) && !RESERVED_PREFIXES.has(value);
}

const lead = (prefix: string | undefined) => (prefix ? `${prefix}_` : '');

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

/** A new secret for a key; `prefix` is the deployment's ('' for none), covered by the checksum. */
export function newSecret(type: KeyType, keyId: string, prefix = ''): string {
  const body = randomBase62(SECRET_BODY_LENGTH);
  return body + checksum(`${lead(prefix)}${type}_${keyId}_${body}`);
}

export function formatKey(key: ParsedKey): string {
  return `${lead(key.prefix)}${key.type}_${key.keyId}_${key.secret}`;
}

function checksumMatches(prefix: string | undefined, type: KeyType, keyId: string, secret: string): boolean {
  const body = secret.slice(0, SECRET_BODY_LENGTH);
  return checksum(`${lead(prefix)}${type}_${keyId}_${body}`) === secret.slice(SECRET_BODY_LENGTH);
}

const parsed = (prefix: string | undefined, type: KeyType, keyId: string, secret: string): ParsedKey =>
  prefix ? { prefix, type, keyId, secret } : { type, keyId, secret };

/** Parses a full key string; undefined for anything malformed or with a bad checksum. */
export function parseKey(input: string): ParsedKey | undefined {
  if (input.length > MAX_KEY_LENGTH) return undefined;
  const match = KEY_PATTERN.exec(input);
  if (!match) return undefined;
  const [, prefix, type, keyId, secret] = match as unknown as [string, string | undefined, KeyType, string, string];
  if (prefix !== undefined && RESERVED_PREFIXES.has(prefix)) return undefined;
  return checksumMatches(prefix, type, keyId, secret) ? parsed(prefix, type, keyId, secret) : undefined;
}

/** True when the string has the shape of a key (used to tell keys from JWTs in `Bearer`). */
export function looksLikeKey(input: string): boolean {
  return LOOKS_LIKE_KEY.test(input);
}

/** The prefixes a deployment's pair forms may have been made with: its own, and none (keys made before it had one). */
export function acceptedPrefixes(deployment: string): readonly string[] {
  return deployment ? [deployment, ''] : [''];
}

/**
 * The pair forms carry the id and the secret apart, without the prefix or the type: the checksum
 * covers both, so the one (prefix, type) whose checksum matches is the key's. `prefixes` are the
 * ones the deployment accepts: its own and '' (keys made before it had one).
 */
export function parseKeyPair(keyId: string, secret: string, prefixes: readonly string[] = ['']): ParsedKey | undefined {
  if (!KEY_ID_PATTERN.test(keyId) || secret.length !== SECRET_LENGTH || !SECRET_PATTERN.test(secret)) return undefined;
  for (const prefix of prefixes) {
    const type = KEY_TYPES.find((t) => checksumMatches(prefix, t, keyId, secret));
    if (type) return parsed(prefix, type, keyId, secret);
  }
  return undefined;
}

/** 32 bytes as exactly 43 base62 characters (62^43 > 2^256). */
function base62Bytes(bytes: Buffer): string {
  let n = BigInt(`0x${bytes.toString('hex')}`);
  let out = '';
  for (let i = 0; i < SIGNING_MAC_LENGTH; i++) {
    out = ALPHABET[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out;
}

/** The signing secret string for a derived 32-byte MAC: prefix, key id, MAC, checksum. */
export function formatSigningSecret(prefix: string, keyId: string, mac: Buffer): string {
  const head = `${lead(prefix)}kws_${keyId}_${base62Bytes(mac)}`;
  return head + checksum(head);
}

/** The key a signing secret names, from its shape and checksum alone (nothing is verified). */
export function parseSigningSecret(input: string): { prefix?: string; keyId: string } | undefined {
  if (input.length > MAX_KEY_LENGTH + 16) return undefined;
  const match = SIGNING_PATTERN.exec(input);
  if (!match) return undefined;
  const [, prefix, keyId, rest] = match as unknown as [string, string | undefined, string, string];
  if (prefix !== undefined && RESERVED_PREFIXES.has(prefix)) return undefined;
  const head = input.slice(0, input.length - CHECKSUM_LENGTH);
  if (checksum(head) !== rest.slice(SIGNING_MAC_LENGTH)) return undefined;
  return prefix ? { prefix, keyId } : { keyId };
}

export function isKeyId(value: string): boolean {
  return KEY_ID_PATTERN.test(value);
}
