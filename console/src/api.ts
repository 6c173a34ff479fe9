/**
 * Keyward from the page: same origin, JSON, and the `__session` cookie (HttpOnly, so this script
 * never sees it). Keys, usage and the audit log go through the callable functions (createApiKey,
 * listApiKeys, revokeApiKey, regenerateApiKey, updateApiKey, getUsage, queryAuditLog), reached through Hosting rewrites
 * at `/v1/rpc/<name>` and spoken in the callable protocol; the session itself and `/v1/me` are
 * REST, and so are the notification webhook and its delivery log, and an auditor's verification of the trail (`/v1/audit/verify`, `/v1/audit/export`). No ID token or key is ever sent in a URL; errors carry the API's own message and code.
 */
import type { components } from './openapi';
import type { UsageReport } from '../../functions/src/keys/usage-report';
import { auditData, type AuditFilters, type ExportEntry, type VerifyReport } from './format/audit';
import { type LimitsAndCredits } from './format/limits';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** For a malformed request: the JSON pointer of the field that was wrong (`/name`), as the API says. */
    readonly field?: string,
    /** For a 429: the seconds to wait (`Retry-After`, or a callable's `details.retryAfter`). */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Me {
  uid: string;
  email?: string;
  claims: { admin?: boolean; auditor?: boolean; permissions?: string[]; [claim: string]: unknown };
  auth: { method: string; keyId?: string; actor?: string };
  /** The person's own limits, shared by all their keys (as `GET /v1/me/limits`); absent when they could not be read. */
  limits?: OwnerLimits;
}

/** `GET`/`PATCH /v1/me/limits` (functions/src/actions/owner-limits.ts). */
export interface OwnerLimits extends LimitsAndCredits {
  updatedAt: string | null;
}

/** The API's own shapes, generated from docs/openapi.json (`npm run openapi` writes both). */
type Schemas = components['schemas'];

export type KeyStatus = Schemas['Key']['status'];

/** What `GET /v1/keys` shows of a key. */
export type KeyView = Schemas['Key'];

/** Create and regenerate answer with the key and its signing secret: shown once, never stored. */
export type KeyWithSecret = Schemas['CreatedKey'];

/** A webhook delivery in the log, with its attempts. */
export type Delivery = Schemas['Delivery'];
export type Webhook = Schemas['Webhook'];

/** An entry as the API returns it: what an export holds, and its severity. */
export interface AuditEntry extends ExportEntry {
  severity?: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  nextPageToken?: string | null;
  /** Emails of the uids on the page, where known. */
  users?: Record<string, string>;
}

/** `getUsage`: daily counts, every day of the range (the server's own type). */
export type { UsageCounts } from '../../functions/src/keys/usage';
export type { UsageReport };

/** Called when an API call finds no valid session (expired, revoked elsewhere). */
let onSignedOut: (message: string) => void = () => undefined;
export function whenSignedOut(handler: (message: string) => void): void {
  onSignedOut = handler;
}

interface CallOptions {
  /** A 401 is an answer here (nobody signed in yet), not a session that ended. */
  quietAuth?: boolean;
  /** Signing in or out: once it succeeds, answers to requests sent before it are stale. */
  changesSession?: boolean;
}

/**
 * Which session the page is in; it moves on at every sign-in and sign-out. An answer to a request
 * sent in an earlier session is dropped: its view is gone, and it must neither show the last
 * person's data nor, with a 401, sign out the session that replaced it.
 */
let session = 0;
/** Never settles: what waited on a stale answer stays waiting and is collected with its view. */
const dropped = () => new Promise<never>(() => undefined);

/** One same-origin request: the JSON it answers, or the ApiError its error body describes. */
async function send(method: string, path: string, body: unknown, opts: CallOptions, errorOf: (json: unknown, status: number, headers: Headers) => ApiError): Promise<unknown> {
  const sentIn = session;
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
    if (sentIn !== session) return dropped();
    throw new ApiError(0, 'network', 'Could not reach Keyward: check your connection and try again.');
  }
  const text = await res.text();
  if (sentIn !== session) return dropped();
  if (opts.changesSession && res.ok) session++;
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const err = errorOf(json, res.status, res.headers);
    if (res.status === 401 && !opts.quietAuth) onSignedOut(err.message);
    throw err;
  }
  return json;
}

/** The seconds to wait when `err` is a 429 `rate_limited` that says how long (an audit read over its budget); otherwise undefined. */
export function rateLimitWait(err: unknown): number | undefined {
  return err instanceof ApiError && err.code === 'rate_limited' ? err.retryAfter : undefined;
}

const fallbackMessage = (status: number) => `Keyward answered with HTTP ${status}.`;

/** A wait in whole seconds (1 to a day), from a `Retry-After` header or a callable's details; else undefined. */
function seconds(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 86_400 ? n : undefined;
}

/** The ApiError a REST error body describes: `{"error": {"code", "message", "field"?}}` and `Retry-After` (also `<keyward-api-keys>`'s). */
export function restError(json: unknown, status: number, headers?: Headers): ApiError {
  const error = (json as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
  return new ApiError(status, error?.code ?? 'http_error', error?.message ?? fallbackMessage(status), error?.field, seconds(headers?.get('retry-after')));
}

/** A REST call: errors are `{"error": {"code", "message"}}`. Teams use it too (teams-api.ts). */
export async function rest<T>(method: string, path: string, body?: unknown, opts: CallOptions = {}): Promise<T> {
  return (await send(method, path, body, opts, restError)) as T;
}

/** The callable functions the console uses (functions/src/index.ts). */
type CallableName = 'createApiKey' | 'listApiKeys' | 'revokeApiKey' | 'regenerateApiKey' | 'updateApiKey' | 'queryAuditLog' | 'getUsage';

/**
 * A callable function, in the callable protocol: POST `{"data": …}`, answered with
 * `{"result": …}` or `{"error": {"status", "message", "details"}}`, where `details.code` (and `details.field`) is the
 * API's own error code (the platform's own refusals have none: their status stands in).
 */
async function callable<T>(name: CallableName, data: Record<string, unknown> = {}): Promise<T> {
  const json = await send('POST', `/v1/rpc/${name}`, { data }, {}, (json, status) => {
    const error = (json as { error?: { status?: string; message?: string; details?: { code?: string; field?: string; retryAfter?: unknown } } } | undefined)?.error;
    const code = error?.details?.code ?? error?.status?.toLowerCase() ?? 'http_error';
    return new ApiError(status, code, error?.message ?? fallbackMessage(status), error?.details?.field, seconds(error?.details?.retryAfter));
  });
  return (json as { result: T }).result;
}

export const api = {
  /** Who is signed in; 401 (quietly) when nobody is. */
  me: () => rest<Me>('GET', '/v1/me', undefined, { quietAuth: true }),
  /** Trades a fresh ID token for the `__session` cookie. */
  startSession: (idToken: string) => rest<{ uid: string; expiresAt: string }>('POST', '/v1/auth/session', { idToken }, { quietAuth: true, changesSession: true }),
  endSession: (everywhere: boolean) => rest<void>('DELETE', everywhere ? '/v1/auth/session?all=true' : '/v1/auth/session', undefined, { quietAuth: !everywhere, changesSession: true }),
  listKeys: () => callable<{ keys: KeyView[] }>('listApiKeys'),
  createKey: (body: Record<string, unknown>) => callable<KeyWithSecret>('createApiKey', body),
  regenerateKey: (id: string, gracePeriod: number) => callable<KeyWithSecret>('regenerateApiKey', { id, gracePeriod }),
  revokeKey: (id: string) => callable<KeyView>('revokeApiKey', { id }),
  updateKey: (id: string, change: Record<string, unknown>) => callable<KeyView>('updateApiKey', { ...change, id }),
  /** One key's usage (`keyId`), or every key of the caller's; the last 30 days unless `from`/`to`. */
  usage: (query: { keyId?: string; from?: string; to?: string } = {}) => callable<UsageReport>('getUsage', query),
  audit: (filters: AuditFilters) => callable<AuditPage>('queryAuditLog', auditData(filters)),
  /** Auditors: a range of the whole trail checked against its chains and signed checkpoints (REST, with the session cookie). */
  verifyAudit: (range: { from: string; to: string }) => rest<VerifyReport>('GET', `/v1/audit/verify?${new URLSearchParams(range)}`),
  /** Auditors: the file `npm run audit:verify` (or any JOSE library) checks offline. */
  exportAudit: (range: { from: string; to: string }) => rest<Record<string, unknown>>('GET', `/v1/audit/export?${new URLSearchParams(range)}`),
  /** The person's own limits and credits, shared by all their keys: REST, with the session cookie. */
  ownerLimits: () => rest<OwnerLimits>('GET', '/v1/me/limits'),
  updateOwnerLimits: (change: Record<string, unknown>) => rest<OwnerLimits>('PATCH', '/v1/me/limits', change),
  /** The notification webhook and its delivery log: REST, with the session cookie. */
  webhook: () => rest<Webhook>('GET', '/v1/notifications/webhook'),
  setWebhook: (url: string) => rest<Schemas['WebhookCreated']>('PUT', '/v1/notifications/webhook', { url }),
  deliveries: () => rest<Schemas['DeliveryPage']>('GET', '/v1/notifications/deliveries'),
  retryDelivery: (id: string) => rest<Delivery>('POST', `/v1/notifications/deliveries/${encodeURIComponent(id)}/retry`),
};
