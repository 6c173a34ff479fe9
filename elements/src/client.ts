/**
 * `<keyward-api-keys>` talking to the REST API (/v1/keys, /v1/me or /v1/teams/{id}, /v1/usage). Two ways to
 * authenticate, never both: on the same site the `__session` cookie (credentials: 'same-origin'),
 * from another origin an ID token from the page's `getIdToken` (credentials: 'omit', so no cookie
 * ever goes cross-site; the API answers CORS for the origins of KEYWARD_ALLOWED_ORIGINS only).
 */
import { ApiError, restError, type KeyView, type KeyWithSecret, type Me } from '../../console/src/api';
import type { UsageReport } from '../../functions/src/keys/usage-report';

export type IdTokenSource = () => Promise<string> | string;

export interface Connection {
  /** The API's base URL (`api` attribute); empty: this page's own origin. */
  base: string;
  getIdToken?: IdTokenSource;
  /** `team` attribute: list and create that team's keys (`GET /v1/keys?team=`, `POST /v1/keys {team}`). */
  team?: string;
}

async function idToken(source: IdTokenSource): Promise<string> {
  let token: unknown;
  try {
    token = await source();
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string' || !token) throw new ApiError(401, 'unauthenticated', 'Sign in to manage your API keys (no ID token).');
  return token;
}

async function call<T>(conn: Connection, method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (conn.getIdToken) headers.authorization = `Bearer ${await idToken(conn.getIdToken)}`;
  let res: Response;
  try {
    res = await fetch(`${conn.base.replace(/\/+$/, '')}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: conn.getIdToken ? 'omit' : 'same-origin',
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
  if (!res.ok) throw restError(json, res.status);
  return json as T;
}

const keyPath = (id: string) => `/v1/keys/${encodeURIComponent(id)}`;

export function keysApi(conn: Connection) {
  const team = conn.team ? `?${new URLSearchParams({ team: conn.team })}` : '';
  return {
    me: () => call<Me>(conn, 'GET', '/v1/me'),
    /** The `team` attribute's team: its grants (what its keys may do) and my role in it. */
    team: (id: string) => call<{ grants: string[]; role?: string }>(conn, 'GET', `/v1/teams/${encodeURIComponent(id)}`),
    list: () => call<{ keys: KeyView[] }>(conn, 'GET', `/v1/keys${team}`).then((r) => r.keys),
    /** Requests per key over the last 30 days (the caller's own keys, or the team's). */
    usage: () => call<UsageReport>(conn, 'GET', `/v1/usage${team}`),
    create: (body: Record<string, unknown>) => call<KeyWithSecret>(conn, 'POST', '/v1/keys', conn.team ? { ...body, team: conn.team } : body),
    regenerate: (id: string, gracePeriod: number) => call<KeyWithSecret>(conn, 'POST', `${keyPath(id)}/regenerate`, { gracePeriod }),
    setPaused: (id: string, disabled: boolean) => call<KeyView>(conn, 'PATCH', keyPath(id), { disabled }),
    revoke: (id: string) => call<KeyView>(conn, 'DELETE', keyPath(id)),
  };
}

export type KeysApi = ReturnType<typeof keysApi>;
