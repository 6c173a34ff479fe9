// Test helpers on the Auth emulator's REST API (no SDK), and a fetch wrapper on the API.
import { checkAgainstContract } from './contract';
import { randomBytes } from 'node:crypto';
import { AUTH_EMULATOR_URL, BASE_URL, TEST_PROJECT_ID } from './ports';

export interface TestUser {
  uid: string;
  email: string;
  password: string;
  idToken: string;
  refreshToken: string;
}

function authUrl(): string {
  const host = process.env.FIREBASE_AUTH_EMULATOR_HOST;
  return host ? `http://${host}` : AUTH_EMULATOR_URL;
}

function projectId(): string {
  return process.env.GOOGLE_CLOUD_PROJECT ?? TEST_PROJECT_ID;
}

async function identityToolkit(path: string, body: unknown, headers: Record<string, string> = {}): Promise<any> {
  const res = await fetch(`${authUrl()}/identitytoolkit.googleapis.com/v1/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`Auth emulator ${path}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** A new email/password account, signed in. */
export async function createUser(email?: string, password?: string): Promise<TestUser> {
  const e = email ?? `user-${randomBytes(6).toString('hex')}@example.com`;
  const p = password ?? `pw-${randomBytes(9).toString('base64url')}`;
  const r = await identityToolkit('accounts:signUp?key=fake', { email: e, password: p, returnSecureToken: true });
  return { uid: r.localId, email: e, password: p, idToken: r.idToken, refreshToken: r.refreshToken };
}

/** Signs an existing account in again (a fresh ID token, a fresh auth_time). */
export async function signIn(email: string, password: string): Promise<TestUser> {
  const r = await identityToolkit('accounts:signInWithPassword?key=fake', { email, password, returnSecureToken: true });
  return { uid: r.localId, email, password, idToken: r.idToken, refreshToken: r.refreshToken };
}

/**
 * Sets the account's validSince (tokens-valid-after, unix seconds) with the emulator's
 * privileged accounts:update. Under the Auth emulator a token whose auth_time is before it counts
 * as revoked; move it back before testing an old auth_time.
 */
export async function setValidSince(uid: string, unixSeconds: number): Promise<void> {
  await identityToolkit(
    `projects/${projectId()}/accounts:update`,
    { localId: uid, validSince: String(Math.floor(unixSeconds)) },
    { authorization: 'Bearer owner' },
  );
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or undefined when the body is empty or not JSON. */
  json: T;
  text: string;
}

/** fetch on KEYWARD_BASE_URL (Hosting), returning status, headers and the parsed JSON body. */
export async function api<T = any>(path: string, init: RequestInit = {}): Promise<ApiResponse<T>> {
  const base = process.env.KEYWARD_BASE_URL ?? BASE_URL;
  const res = await fetch(`${base}${path}`, { redirect: 'manual', ...init });
  const text = await res.text();
  const json = jsonOf(text);
  checkAgainstContract(init.method ?? 'GET', path, res.status, json, res.headers.get('content-type'));
  return { status: res.status, headers: res.headers, json, text };
}

/** A response body as JSON, or undefined when it is empty or not JSON. */
export function jsonOf(text: string): any {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
