/**
 * Keyward's REST API from the page: same origin, JSON, and the `__session` cookie (HttpOnly, so
 * this script never sees it). No ID token or key is ever sent in a URL; errors carry the API's
 * own `error.message`.
 */
import { auditQuery, type AuditFilters } from './format';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Me {
  uid: string;
  claims: { admin?: boolean; auditor?: boolean; permissions?: string[]; [claim: string]: unknown };
  auth: { method: string; keyId?: string; actor?: string };
}

export type KeyStatus = 'active' | 'expired' | 'revoked';

/** What `GET /v1/keys` shows of a key (functions/src/keys/view.ts). */
export interface KeyView {
  id: string;
  name: string;
  type: 'server' | 'web' | 'mobile';
  status: KeyStatus;
  scopes: string[] | null;
  allowedOrigins: string[];
  allowedIps: string[];
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  regeneratedAt: string | null;
  previousSecretValidUntil: string | null;
  lastUsedAt: string | null;
}

/** Create and regenerate answer with the key and its signing secret: shown once, never stored. */
export interface KeyWithSecret extends KeyView {
  key: string;
  signingSecret: string;
}

export interface AuditEntry {
  timestamp: string;
  severity?: string;
  event: string;
  outcome: string;
  actor?: { uid?: string; method?: string; keyId?: string };
  target?: { uid?: string; keyId?: string; role?: string };
  request?: { ip?: string; userAgent?: string; origin?: string; method?: string; path?: string; requestId?: string };
  reason?: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  nextPageToken?: string | null;
}

/** Called when an API call finds no valid session (expired, revoked elsewhere). */
let onSignedOut: (message: string) => void = () => undefined;
export function whenSignedOut(handler: (message: string) => void): void {
  onSignedOut = handler;
}

async function call<T>(method: string, path: string, body?: unknown, opts: { quietAuth?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'network', 'Could not reach Keyward: check your connection and try again.');
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    const err = new ApiError(res.status, error?.code ?? 'http_error', error?.message ?? `Keyward answered with HTTP ${res.status}.`);
    if (res.status === 401 && !opts.quietAuth) onSignedOut(err.message);
    throw err;
  }
  return json as T;
}

const enc = encodeURIComponent;

export const api = {
  /** Who is signed in; 401 (quietly) when nobody is. */
  me: () => call<Me>('GET', '/v1/me', undefined, { quietAuth: true }),
  /** Trades a fresh ID token for the `__session` cookie. */
  startSession: (idToken: string) => call<{ uid: string; expiresAt: string }>('POST', '/v1/auth/session', { idToken }, { quietAuth: true }),
  endSession: (everywhere: boolean) => call<void>('DELETE', everywhere ? '/v1/auth/session?all=true' : '/v1/auth/session', undefined, { quietAuth: !everywhere }),
  listKeys: () => call<{ keys: KeyView[] }>('GET', '/v1/keys'),
  createKey: (body: Record<string, unknown>) => call<KeyWithSecret>('POST', '/v1/keys', body),
  regenerateKey: (id: string, gracePeriod: number) => call<KeyWithSecret>('POST', `/v1/keys/${enc(id)}/regenerate`, { gracePeriod }),
  revokeKey: (id: string) => call<KeyView>('DELETE', `/v1/keys/${enc(id)}`),
  audit: (filters: AuditFilters) => {
    const query = auditQuery(filters);
    return call<AuditPage>('GET', `/v1/audit${query ? `?${query}` : ''}`);
  },
};
