/**
 * Finds the one credential a request carries. Pure: headers in, a tagged value out, or an
 * KeywardError. Two credentials at once are a 400, never a guess; a credential in the URL (a key,
 * a signing secret, a Firebase token: credentialsInQuery) is a 400;
 * a malformed key or a bad checksum is refused here, before any datastore read.
 */
import { KeywardError } from '../errors';
import type { RequestContext } from '../request';
import { acceptedPrefixes, isKeyId, looksLikeKey, parseKey, parseKeyPair, parseSigningSecret, type ParsedKey } from '../keys/format';
import { SESSION_COOKIE } from '../sessions/cookie';

export const SIGNATURE_SCHEME = 'Keyward-HMAC-SHA256';
const MAX_CREDENTIAL_LENGTH = 8192;

export type Credential =
  | { kind: 'session'; cookie: string }
  /** A JWT: a Firebase ID token or a Keyward access token; `fromQuery` for `?token=`. */
  | { kind: 'jwt'; token: string; fromQuery: boolean }
  | { kind: 'api_key'; key: ParsedKey }
  | { kind: 'signature'; header: string };

const invalid = (message: string) => new KeywardError('invalid_credential', message, { challenge: 'Bearer' });

/**
 * Header values as sent, counting repeats. From the raw headers: Node keeps only the first
 * `Authorization` in `req.headers` and drops the rest. A proxy or a client library (fetch's
 * `Headers`) may instead join repeats into one value with `, `: a second credential scheme
 * after a comma is a repeat too (no credential of ours contains `, <scheme> `).
 */
export function headerValues(info: Pick<RequestContext, 'rawHeaders'>, name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < info.rawHeaders.length; i += 2) {
    if (info.rawHeaders[i]!.toLowerCase() !== name) continue;
    const value = info.rawHeaders[i + 1]!;
    if (name === 'authorization' && JOINED_SCHEME.test(value)) throw new KeywardError('multiple_credentials', 'Send exactly one credential.');
    if ((name === 'x-api-key' || name === 'x-api-secret') && value.includes(',')) throw new KeywardError('multiple_credentials', 'Send exactly one credential.');
    out.push(value);
  }
  return out;
}

const JOINED_SCHEME = /,\s*(?:bearer|apikey|basic|digest|keyward-hmac-sha256)(?:\s|$)/i;
/** A JWS in compact form (an unsigned emulator token has an empty signature). */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function sessionCookies(cookieHeader: string | undefined): string[] {
  if (!cookieHeader) return [];
  const out: string[] = [];
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === SESSION_COOKIE) out.push(part.slice(eq + 1).trim());
  }
  return out;
}

/** Strict base64 (standard or url alphabet); undefined when it is not. */
export function decodeBase64(value: string): string | undefined {
  if (value.length === 0 || value.length > 512 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return undefined;
  return Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64').toString('utf8');
}

/** The pair forms' checksum covers the prefix they do not carry: the deployment's, or none (older keys). */
function keyFromPair(keyId: string | undefined, secret: string | undefined, prefix: string): Credential {
  const key = keyId !== undefined && secret !== undefined ? parseKeyPair(keyId, secret, acceptedPrefixes(prefix)) : undefined;
  if (!key) throw invalid('The API key is malformed.');
  return { kind: 'api_key', key };
}

function keyFromString(value: string): Credential {
  const key = parseKey(value);
  if (!key) throw invalid('The API key is malformed.');
  return { kind: 'api_key', key };
}

function fromAuthorization(value: string, prefix: string): Credential {
  const space = value.indexOf(' ');
  const scheme = space === -1 ? value : value.slice(0, space);
  const rest = space === -1 ? '' : value.slice(space + 1).trim();
  if (!rest) throw invalid('The Authorization header has no credential.');
  switch (scheme.toLowerCase()) {
    case 'bearer':
      if (looksLikeKey(rest)) return keyFromString(rest);
      if (JWT_SHAPE.test(rest)) return { kind: 'jwt', token: rest, fromQuery: false };
      throw invalid('The bearer credential is malformed.');
    case 'apikey': {
      if (looksLikeKey(rest)) return keyFromString(rest);
      const decoded = decodeBase64(rest);
      const colon = decoded?.indexOf(':') ?? -1;
      return keyFromPair(decoded?.slice(0, colon), colon === -1 ? undefined : decoded?.slice(colon + 1), prefix);
    }
    case SIGNATURE_SCHEME.toLowerCase():
      return { kind: 'signature', header: rest };
    default:
      throw invalid('Unsupported authorization scheme.');
  }
}

function fromApiKeyHeaders(key: string, secret: string | undefined, prefix: string): Credential {
  if (secret === undefined) return keyFromString(key);
  const id = decodeBase64(key);
  const sec = decodeBase64(secret);
  return keyFromPair(id, sec, prefix);
}

/** Issuers of Firebase's own JWTs: ID tokens and session cookies. */
const FIREBASE_ISSUERS = ['https://securetoken.google.com/', 'https://session.firebase.google.com/'];

/** True for a Firebase ID token or session cookie (by its unverified issuer): a credential, wherever it is sent. */
function isFirebaseJwt(value: string): boolean {
  if (value.length < 40 || value.length > MAX_CREDENTIAL_LENGTH || !JWT_SHAPE.test(value)) return false;
  try {
    const iss = (JSON.parse(Buffer.from(value.split('.')[1]!, 'base64url').toString('utf8')) as { iss?: unknown }).iss;
    return typeof iss === 'string' && FIREBASE_ISSUERS.some((prefix) => iss.startsWith(prefix));
  } catch {
    return false;
  }
}

/**
 * The credentials of ours a query string carries, by what they are, not by their names: only what
 * parses as a key (checksum included, in one value or as the pair forms' id and secret), a signing
 * secret, or a Firebase ID token or session cookie. `?type=web_app` or `?key=name` is an ordinary
 * query. `exposed`: the key ids named (never the secrets), for the owners' `key.exposure` entries.
 */
export function credentialsInQuery(rawQuery: string, prefix = ''): { token?: string; exposed: string[]; found: boolean } {
  if (!rawQuery) return { exposed: [], found: false };
  const params = new URLSearchParams(rawQuery);
  const exposed = new Set<string>();
  const ids: string[] = [];
  const secrets: string[] = [];
  let found = false;
  for (const [name, value] of params) {
    const keyId = parseKey(value)?.keyId ?? parseSigningSecret(value)?.keyId;
    if (keyId !== undefined) exposed.add(keyId);
    else if (name !== 'token' && isFirebaseJwt(value)) found = true;
    else if (isKeyId(value)) ids.push(value);
    else if (value.length === 38) secrets.push(value);
  }
  for (const id of ids.slice(0, 10)) {
    for (const secret of secrets.slice(0, 10)) if (parseKeyPair(id, secret, acceptedPrefixes(prefix))) exposed.add(id);
  }
  const tokens = params.getAll('token');
  if (tokens.length > 1) throw new KeywardError('multiple_credentials', 'Send exactly one credential.');
  return { token: tokens[0], exposed: [...exposed].slice(0, 5), found: found || exposed.size > 0 };
}

/**
 * The key id a credential claims, before anything is verified: what a failure entry records as
 * the key tried. Access tokens name theirs in the (unverified) `key_id` claim.
 */
export function triedKeyId(credential: Credential): string | undefined {
  switch (credential.kind) {
    case 'api_key':
      return credential.key.keyId;
    case 'signature': {
      const id = /(?:^|[\s,])Credential=([A-Za-z0-9]+)/.exec(credential.header)?.[1];
      return id !== undefined && isKeyId(id) ? id : undefined;
    }
    case 'jwt': {
      try {
        const payload = JSON.parse(Buffer.from(credential.token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { key_id?: unknown };
        return typeof payload.key_id === 'string' && isKeyId(payload.key_id) ? payload.key_id : undefined;
      } catch {
        return undefined;
      }
    }
    default:
      return undefined;
  }
}

/** Returns the request's single credential, or undefined when it carries none. `keyPrefix`: the deployment's. */
export function readCredential(info: Pick<RequestContext, 'rawHeaders' | 'method' | 'rawQuery' | 'headers'>, keyPrefix = ''): Credential | undefined {
  const query = credentialsInQuery(info.rawQuery, keyPrefix);
  if (query.found) throw new KeywardError('credential_in_url', 'Credentials must not be sent in the URL (URLs end up in logs); use a header.');

  const authorization = headerValues(info, 'authorization');
  const apiKeys = headerValues(info, 'x-api-key');
  const apiSecrets = headerValues(info, 'x-api-secret');
  const cookies = sessionCookies(headerValues(info, 'cookie').join(';'));
  const count = authorization.length + apiKeys.length + cookies.length + (query.token !== undefined ? 1 : 0);
  if (count > 1 || apiSecrets.length > 1) throw new KeywardError('multiple_credentials', 'Send exactly one credential.');
  if (apiSecrets.length === 1 && apiKeys.length === 0) throw invalid('X-API-Secret needs X-API-Key.');
  if (count === 0) return undefined;

  const too_long = [...authorization, ...apiKeys, ...apiSecrets, ...cookies, query.token ?? ''].some(
    (v) => v.length > MAX_CREDENTIAL_LENGTH,
  );
  if (too_long) throw invalid('The credential is too long.');

  if (authorization[0] !== undefined) return fromAuthorization(authorization[0], keyPrefix);
  if (apiKeys[0] !== undefined) return fromApiKeyHeaders(apiKeys[0], apiSecrets[0], keyPrefix);
  if (cookies[0] !== undefined) return { kind: 'session', cookie: cookies[0] };
  const upgrade = String(info.headers.upgrade ?? '').toLowerCase() === 'websocket';
  if (info.method !== 'GET' && !upgrade) {
    throw new KeywardError('credential_in_url', 'A token in the URL is accepted only on GET and WebSocket upgrades.');
  }
  return { kind: 'jwt', token: query.token!, fromQuery: true };
}
