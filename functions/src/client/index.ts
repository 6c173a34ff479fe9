/**
 * A small Keyward client for Node 18 or later (fetch and node:crypto only):
 * - `signRequest` / `signedFetch`: requests signed with `Keyward-HMAC-SHA256`, so the key's
 *   secret never travels;
 * - `signTokenRequest`: the body of a signed token request;
 * - `AccessTokens`: trades a key (or a signed token request) for access tokens, caches them and
 *   fetches the next one shortly before the current one expires, one request at a time.
 *
 * The signing rules are Keyward's own modules (../signing), not a copy: the server and
 * this client cannot drift apart.
 */
import { randomBytes } from 'node:crypto';
import { parseKey } from '../keys/format';
import { formatSignatureHeader } from '../signing/header';
import { bodySha256Hex, hmacSha256Hex } from '../signing/hmac';
import { normalizedParameters } from '../signing/params';
import { stringToSign } from '../signing/string-to-sign';

/** A key's public id and the signing secret `POST /v1/keys` showed once. */
export interface SigningKey {
  keyId: string;
  signingSecret: string;
}

export interface SignOptions {
  /** Milliseconds since the epoch (default: Date.now()). */
  now?: number;
  /** 16–64 characters of [A-Za-z0-9_-] (default: 32 random characters). */
  nonce?: string;
}

export interface RequestToSign {
  method: string;
  url: string | URL;
  /** The exact bytes that will be sent; a string is sent (and hashed) as UTF-8. */
  body?: string | Uint8Array;
  /** The Content-Type header the request is sent with, if any: it is signed, so send exactly this. */
  contentType?: string;
  /** Acts for this user (a server key whose owner may delegate); the header is signed too. */
  onBehalfOf?: string;
}

/** A fresh nonce: 24 random bytes, base64url (32 characters). */
export function newNonce(): string {
  return randomBytes(24).toString('base64url');
}

/** The headers that sign `request`: `Authorization`, and `Content-Type` and `On-Behalf-Of` when set. */
export function signRequest(key: SigningKey, request: RequestToSign, options: SignOptions = {}): Record<string, string> {
  const url = new URL(request.url);
  const timestamp = String(Math.floor((options.now ?? Date.now()) / 1000));
  const nonce = options.nonce ?? newNonce();
  const message = stringToSign({
    timestamp,
    nonce,
    method: request.method,
    path: url.pathname,
    rawQuery: url.search.slice(1),
    bodySha256: bodySha256Hex(request.body ?? ''),
    contentType: request.contentType,
    onBehalfOf: request.onBehalfOf,
  });
  const headers: Record<string, string> = {
    authorization: formatSignatureHeader({ keyId: key.keyId, timestamp, nonce, signature: hmacSha256Hex(key.signingSecret, message) }),
  };
  if (request.contentType !== undefined) headers['content-type'] = request.contentType;
  if (request.onBehalfOf !== undefined) headers['on-behalf-of'] = request.onBehalfOf;
  return headers;
}

export interface SignedFetchInit extends Omit<RequestInit, 'body'> {
  body?: string | Uint8Array;
  onBehalfOf?: string;
  fetch?: typeof fetch;
}

/** fetch, signed. The body must be a string or bytes: the signature covers exactly what is sent. */
export async function signedFetch(key: SigningKey, url: string | URL, init: SignedFetchInit = {}): Promise<Response> {
  const { onBehalfOf, fetch: fetchImpl = fetch, ...rest } = init;
  if (rest.body !== undefined && typeof rest.body !== 'string' && !(rest.body instanceof Uint8Array)) {
    throw new TypeError('signedFetch needs the body as a string or a Uint8Array.');
  }
  const method = (rest.method ?? 'GET').toUpperCase();
  const headers = new Headers(rest.headers);
  // fetch sends a string body as text/plain when no type is given: that type is set here, and signed.
  const contentType = headers.get('content-type') ?? (typeof rest.body === 'string' ? 'text/plain;charset=UTF-8' : undefined);
  for (const [name, value] of Object.entries(signRequest(key, { method, url, body: rest.body, contentType, onBehalfOf }))) headers.set(name, value);
  return fetchImpl(url, { ...rest, method, headers });
}

/**
 * The body of a signed token request: `key_id`, `nonce`, `timestamp`, any extra parameters
 * (`expires_in`, `scope`), and `signature` over the normalized parameter string.
 */
export function signTokenRequest(key: SigningKey, params: Record<string, string> = {}, options: SignOptions = {}): Record<string, string> {
  const signed: Record<string, string> = {
    ...params,
    key_id: key.keyId,
    nonce: options.nonce ?? newNonce(),
    timestamp: String(Math.floor((options.now ?? Date.now()) / 1000)),
  };
  return { ...signed, signature: hmacSha256Hex(key.signingSecret, normalizedParameters(signed)) };
}

/**
 * A key's OAuth 2.0 client credentials (`POST /oauth/token`): a key is
 * `<type>_<client id>_<client secret>`, so the client id is the key id and the client secret the
 * part after it.
 */
export function oauthClientCredentials(apiKey: string): { clientId: string; clientSecret: string } {
  const key = parseKey(apiKey);
  if (!key) throw new TypeError('This is not a well-formed Keyward API key.');
  return { clientId: key.keyId, clientSecret: key.secret };
}

/** An error answer from Keyward: the HTTP status and the contract's error code. */
export class KeywardError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'KeywardError';
  }
}

export interface AccessTokensOptions {
  /** Where Keyward answers, e.g. `https://auth.example.com` (no trailing path). */
  baseUrl: string;
  /** Either the API key string… */
  apiKey?: string;
  /** …or the key id and signing secret: the token request is then signed and no secret travels. */
  signingKey?: SigningKey;
  /** Extra parameters of the token request: `expires_in`, `scope`. */
  params?: Record<string, string>;
  /** Sent with every request: a `web` key needs `Origin`. */
  headers?: Record<string, string>;
  /** Fetch the next token this many seconds before the current one expires (default 60). */
  refreshEarlySeconds?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

interface Cached {
  token: string;
  expiresAt: number;
}

/** Access tokens for one key, cached and renewed before they expire. */
export class AccessTokens {
  private cached?: Cached;
  private pending?: Promise<Cached>;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;

  constructor(private readonly options: AccessTokensOptions) {
    if ((options.apiKey === undefined) === (options.signingKey === undefined)) {
      throw new TypeError('AccessTokens needs either apiKey or signingKey.');
    }
    this.fetchImpl = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
  }

  /** A token valid for at least `refreshEarlySeconds` more (or, if renewal fails, until it expires). */
  async token(): Promise<string> {
    const early = (this.options.refreshEarlySeconds ?? 60) * 1000;
    const cached = this.cached;
    if (cached && this.now() < cached.expiresAt - early) return cached.token;
    try {
      return (await this.renew()).token;
    } catch (err) {
      // A renewal that failed leaves the current token in use while it still works.
      if (cached && this.now() < cached.expiresAt) return cached.token;
      throw err;
    }
  }

  /** fetch with `Authorization: Bearer <token>`; `path` is relative to baseUrl. */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(this.options.headers);
    new Headers(init.headers).forEach((value, name) => headers.set(name, value));
    headers.set('authorization', `Bearer ${await this.token()}`);
    return this.fetchImpl(new URL(path, this.options.baseUrl), { ...init, headers });
  }

  /** Forgets the cached token (the next call fetches a new one). */
  clear(): void {
    this.cached = undefined;
  }

  private renew(): Promise<Cached> {
    // Single flight: callers arriving while a renewal runs share it.
    this.pending ??= this.request().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async request(): Promise<Cached> {
    const { apiKey, signingKey, params = {} } = this.options;
    const body = signingKey ? signTokenRequest(signingKey, params, { now: this.now() }) : { ...params, api_key: apiKey! };
    const res = await this.fetchImpl(new URL('/v1/auth/issue', this.options.baseUrl), {
      method: 'POST',
      headers: { ...this.options.headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json().catch(() => undefined)) as
      | { token?: string; expires_at?: number; error?: { code?: string; message?: string } }
      | undefined;
    if (!res.ok || typeof json?.token !== 'string' || typeof json.expires_at !== 'number') {
      const retry = Number(res.headers.get('retry-after'));
      throw new KeywardError(
        res.status,
        json?.error?.code ?? 'unexpected_response',
        json?.error?.message ?? `Keyward answered ${res.status}.`,
        Number.isFinite(retry) && retry > 0 ? retry : undefined,
      );
    }
    this.cached = { token: json.token, expiresAt: json.expires_at * 1000 };
    return this.cached;
  }
}
