// Helpers for the session tests: real Auth-emulator tokens, the cookie the API sets, audit entries.
import { Logging, type Entry, type LoggingOptions } from '@google-cloud/logging';
import { grpc } from 'google-gax';
import { api, type ApiResponse, type TestUser } from '../../harness/auth';
import { eventually } from '../../harness/eventually';
import { BASE_URL } from '../../harness/ports';

// No metadata-server probe from google-auth-library in this process (Logging clients, in-process apps).
process.env.METADATA_SERVER_DETECTION ??= 'none';

export const site = () => process.env.KEYWARD_BASE_URL ?? BASE_URL;
/** What a browser on our own pages sends with a POST or DELETE. */
export const sameOrigin = () => ({ origin: site(), 'sec-fetch-site': 'same-origin' });

function authEmulator(): string {
  const host = process.env.FIREBASE_AUTH_EMULATOR_HOST;
  if (!host) throw new Error('FIREBASE_AUTH_EMULATOR_HOST is not set: run under the integration global setup');
  return `http://${host}`;
}

async function emulatorCall(path: string, body: string, headers: Record<string, string>): Promise<any> {
  const res = await fetch(`${authEmulator()}/${path}`, { method: 'POST', headers, body });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`Auth emulator ${path}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** A fresh ID token from the user's refresh token: same auth_time, new iat (securetoken's grant). */
export async function refreshIdToken(refreshToken: string): Promise<string> {
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString();
  const r = await emulatorCall('securetoken.googleapis.com/v1/token?key=fake', form, { 'content-type': 'application/x-www-form-urlencoded' });
  return r.id_token as string;
}

/**
 * A real emulator ID token whose sign-in (auth_time) was `secondsAgo` ago. The emulator takes
 * auth_time from the account's lastLoginAt, which its privileged accounts:update can move back.
 * Under the emulator firebase-admin counts a token as revoked when auth_time < validSince (set
 * when the account was made), so validSince moves back too, before the old sign-in.
 */
export async function idTokenSignedInAgo(user: TestUser, secondsAgo: number): Promise<string> {
  const nowS = Math.floor(Date.now() / 1000);
  const projectId = process.env.GOOGLE_CLOUD_PROJECT ?? 'demo-keyward';
  await emulatorCall(
    `identitytoolkit.googleapis.com/v1/projects/${projectId}/accounts:update`,
    JSON.stringify({ localId: user.uid, lastLoginAt: String((nowS - secondsAgo) * 1000), validSince: String(nowS - secondsAgo - 60) }),
    { authorization: 'Bearer owner', 'content-type': 'application/json' },
  );
  return refreshIdToken(user.refreshToken);
}

export function decodeJwt(token: string): { header: any; payload: any } {
  const [h, p] = token.split('.');
  return { header: JSON.parse(Buffer.from(h!, 'base64url').toString()), payload: JSON.parse(Buffer.from(p!, 'base64url').toString()) };
}

/** Re-encodes an (unsigned, emulator) JWT with changed header or payload fields. */
export function reencode(token: string, patch: { header?: object; payload?: object; signature?: string }): string {
  const { header, payload } = decodeJwt(token);
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ ...header, ...patch.header })}.${enc({ ...payload, ...patch.payload })}.${patch.signature ?? token.split('.')[2] ?? ''}`;
}

export interface SessionResult {
  res: ApiResponse;
  /** The Set-Cookie header values of the response. */
  setCookies: string[];
  /** The __session value set, if any. */
  cookie?: string;
}

export function setCookiesOf(res: ApiResponse): string[] {
  return res.headers.getSetCookie();
}

export async function postSession(body: unknown, headers: Record<string, string> = sameOrigin()): Promise<SessionResult> {
  const res = await api('/v1/auth/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const setCookies = setCookiesOf(res);
  const value = setCookies.map((c) => /^__session=([^;]*)/.exec(c)?.[1]).find((v) => v);
  return { res, setCookies, cookie: value };
}

/** A session for the user: creates the cookie through the API and returns its value. */
export async function sessionFor(user: TestUser, expiresIn?: number): Promise<string> {
  const { res, cookie } = await postSession(expiresIn === undefined ? { idToken: user.idToken } : { idToken: user.idToken, expiresIn });
  if (res.status !== 200 || !cookie) throw new Error(`session: ${res.status} ${res.text}`);
  return cookie;
}

export const withCookie = (cookie: string, headers: Record<string, string> = {}) => ({ cookie: `__session=${cookie}`, ...headers });

export const me = (cookie: string) => api('/v1/me', { headers: withCookie(cookie) });

/** Parses a Set-Cookie value into its name, value and attributes (lowercased names). */
export function parseSetCookie(header: string): { name: string; value: string; attrs: Record<string, string | true> } {
  const [pair, ...rest] = header.split(';');
  const eq = pair!.indexOf('=');
  const attrs: Record<string, string | true> = {};
  for (const part of rest) {
    const [k, ...v] = part.trim().split('=');
    attrs[k!.toLowerCase()] = v.length ? v.join('=') : true;
  }
  return { name: pair!.slice(0, eq).trim(), value: pair!.slice(eq + 1), attrs };
}

let logging: Logging | undefined;

/** Audit entries (log keyward-audit, and the access lines) matching a Cloud Logging filter, waiting briefly for them to land. */
export async function auditEntries(filter: string, atLeast = 1, timeoutMs = 5000): Promise<Entry[]> {
  const host = process.env.CLOUD_LOGGING_EMULATOR_HOST!;
  const [apiEndpoint, port] = host.split(':');
  logging ??= new Logging({
    projectId: process.env.GOOGLE_CLOUD_PROJECT ?? 'demo-keyward',
    apiEndpoint,
    port: Number(port),
    sslCreds: grpc.credentials.createInsecure(),
  } as LoggingOptions);
  const project = process.env.GOOGLE_CLOUD_PROJECT ?? 'demo-keyward';
  const trail = `(logName = "projects/${project}/logs/keyward-audit" OR (logName = "projects/${project}/logs/run.googleapis.com%2Fstdout" AND labels.keyward_audit = "true"))`;
  const read = async () => (await logging!.getEntries({ filter: `${trail} AND (${filter})`, orderBy: 'timestamp desc', autoPaginate: false, pageSize: 50 }))[0];
  return eventually(read, (entries) => entries.length >= atLeast, { timeoutMs, everyMs: 200 });
}

export const quote = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export function expectError(res: ApiResponse, status: number, code: string): void {
  expect({ status: res.status, code: res.json?.error?.code }).toEqual({ status, code });
  expect(typeof res.json.error.message).toBe('string');
}
