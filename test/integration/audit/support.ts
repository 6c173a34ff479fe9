// Helpers for the audit tests: reading GET /v1/audit and the queryAuditLog callable, roles, and the
// raw log in the Logging emulator (read with the official client, as an operator would).
import { Logging, type Entry, type LoggingOptions } from '@google-cloud/logging';
import { grpc } from 'google-gax';
import { adminAuth } from '../../harness/admin';
import { api, signIn, type ApiResponse, type TestUser } from '../../harness/auth';
import { eventually } from '../../harness/eventually';
import { BASE_URL, TEST_PORTS, TEST_PROJECT_ID } from '../../harness/ports';

// No metadata-server probe from google-auth-library in this process.
process.env.METADATA_SERVER_DETECTION ??= 'none';

export interface AuditEntry {
  timestamp: string;
  severity: string;
  event: string;
  outcome: string;
  actor: { uid?: string; method?: string; keyId?: string };
  target: { uid?: string; keyId?: string; role?: string };
  request: { ip?: string; userAgent?: string; origin?: string; method?: string; path?: string; requestId?: string };
  reason?: string;
}

export const site = () => process.env.KEYWARD_BASE_URL ?? BASE_URL;
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** GET /v1/audit with the given credential headers and query parameters (a raw query string is sent as is). */
export function audit(headers: Record<string, string>, params: Record<string, string> | string = {}): Promise<ApiResponse> {
  const query = typeof params === 'string' ? params : new URLSearchParams(params).toString();
  return api(`/v1/audit${query ? `?${query}` : ''}`, { headers });
}

/**
 * Polls GET /v1/audit until `done` holds for the entries (access entries are written in batches,
 * by whichever emulator worker served the request), then returns them.
 */
export async function auditUntil(
  headers: Record<string, string>,
  params: Record<string, string>,
  done: (entries: AuditEntry[]) => boolean,
  timeoutMs = 8000,
): Promise<AuditEntry[]> {
  return eventually(
    async () => {
      const res = await audit(headers, { pageSize: '1000', ...params });
      if (res.status !== 200) throw new Error(`GET /v1/audit: ${res.status} ${res.text}`);
      return res.json.entries as AuditEntry[];
    },
    done,
    { timeoutMs, everyMs: 150 },
  );
}

export const withRequestId = (id: string | null) => (entries: AuditEntry[]) => entries.some((e) => e.request.requestId === id);

/** A session cookie for the user, through the API (as the console does). */
export async function sessionCookie(user: TestUser): Promise<string> {
  const res = await api('/v1/auth/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: site(), 'sec-fetch-site': 'same-origin' },
    body: JSON.stringify({ idToken: user.idToken }),
  });
  const cookie = res.headers
    .getSetCookie()
    .map((c) => /^__session=([^;]+)/.exec(c)?.[1])
    .find(Boolean);
  if (res.status !== 200 || !cookie) throw new Error(`session: ${res.status} ${res.text}`);
  return cookie;
}

/**
 * Gives the user a role as custom claims (firebase-admin against the Auth emulator), signs them
 * in again for a fresh ID token, and waits until the API sees the role (user records are cached
 * for KEYWARD_CACHE_TTL_MS, 1 s in the tests).
 */
export async function withRole(user: TestUser, claims: Record<string, unknown>): Promise<TestUser> {
  await adminAuth().setCustomUserClaims(user.uid, claims);
  const fresh = await signIn(user.email, user.password);
  const holds = (me: ApiResponse) => Object.entries(claims).every(([k, v]) => JSON.stringify(me.json?.claims?.[k]) === JSON.stringify(v));
  if (holds(await eventually(() => api('/v1/me', { headers: bearer(fresh.idToken) }), holds, { timeoutMs: 5000 }))) return fresh;
  throw new Error('the role did not reach the API in time');
}

/** Calls a callable function on the Functions emulator, as the Firebase SDK does ('' sends no ID token). */
export async function callable(name: string, idToken: string, data: unknown): Promise<{ status: number; body: any }> {
  // The Functions emulator sits next to Hosting, whatever port offset the stack runs with.
  const functionsPort = Number(new URL(site()).port) - TEST_PORTS.hosting + TEST_PORTS.functions;
  const url = `http://127.0.0.1:${functionsPort}/${process.env.GOOGLE_CLOUD_PROJECT ?? TEST_PROJECT_ID}/us-central1/${name}`;
  const headers = { 'content-type': 'application/json', ...(idToken ? bearer(idToken) : {}) };
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ data }) });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

let logging: Logging | undefined;

/** The official client against the Logging emulator the stack runs. */
export function loggingClient(): Logging {
  const host = process.env.CLOUD_LOGGING_EMULATOR_HOST;
  if (!host) throw new Error('CLOUD_LOGGING_EMULATOR_HOST is not set: run under the integration global setup');
  const colon = host.lastIndexOf(':');
  logging ??= new Logging({
    projectId: process.env.GOOGLE_CLOUD_PROJECT ?? TEST_PROJECT_ID,
    apiEndpoint: host.slice(0, colon),
    port: Number(host.slice(colon + 1)),
    sslCreds: grpc.credentials.createInsecure(),
  } as LoggingOptions);
  return logging;
}

/** Every entry of the audit trail (the log `keyward-audit` and the labelled stdout lines), all pages. */
export async function allAuditEntries(): Promise<Entry[]> {
  const project = process.env.GOOGLE_CLOUD_PROJECT ?? TEST_PROJECT_ID;
  const out: Entry[] = [];
  let pageToken: string | undefined;
  do {
    const [entries, , response] = await loggingClient().getEntries({
      filter: `(logName = "projects/${project}/logs/keyward-audit" OR (logName = "projects/${project}/logs/run.googleapis.com%2Fstdout" AND labels.keyward_audit = "true")) AND timestamp >= "1970-01-01T00:00:00Z"`,
      pageSize: 1000,
      pageToken,
      autoPaginate: false,
    });
    out.push(...entries);
    pageToken = response?.nextPageToken || undefined;
  } while (pageToken);
  return out;
}
