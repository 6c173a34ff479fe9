// Users, keys, tokens and sessions for the benchmarks, made through the public APIs (the Auth
// emulator's REST API and Keyward's own endpoints), the way a client gets them.
import { randomBytes } from 'node:crypto';

export interface BenchUser {
  uid: string;
  email: string;
  idToken: string;
}

export interface BenchKey {
  id: string;
  key: string;
  signingSecret: string;
}

async function json(res: Response, what: string, expected = [200]): Promise<Record<string, unknown>> {
  const text = await res.text();
  if (!expected.includes(res.status)) throw new Error(`${what}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** A new email/password account on the Auth emulator, signed in (a fresh ID token). */
export async function createUser(authHost: string): Promise<BenchUser> {
  const email = `bench-${randomBytes(6).toString('hex')}@example.com`;
  const res = await fetch(`http://${authHost}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=fake`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: randomBytes(12).toString('base64url'), returnSecureToken: true }),
  });
  const body = await json(res, 'Auth emulator signUp');
  return { uid: String(body.localId), email, idToken: String(body.idToken) };
}

/** POST /v1/keys with an ID token (key management needs an interactive credential). */
export async function createKey(baseUrl: string, user: BenchUser, name = 'bench'): Promise<BenchKey> {
  const res = await fetch(`${baseUrl}/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.idToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  const body = await json(res, 'POST /v1/keys', [201]);
  return { id: String(body.id), key: String(body.key), signingSecret: String(body.signingSecret) };
}

export async function revokeKey(baseUrl: string, user: BenchUser, keyId: string): Promise<void> {
  const res = await fetch(`${baseUrl}/v1/keys/${keyId}`, { method: 'DELETE', headers: { authorization: `Bearer ${user.idToken}` } });
  await json(res, 'DELETE /v1/keys/{id}');
}

/** An access token from POST /v1/auth/issue. */
export async function issueToken(baseUrl: string, apiKey: string): Promise<string> {
  const res = await fetch(`${baseUrl}/v1/auth/issue`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ api_key: apiKey }),
  });
  return String((await json(res, 'POST /v1/auth/issue')).token);
}

/** A `__session` cookie value from POST /v1/auth/session. */
export async function createSession(baseUrl: string, user: BenchUser): Promise<string> {
  const res = await fetch(`${baseUrl}/v1/auth/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ idToken: user.idToken }),
  });
  await json(res, 'POST /v1/auth/session');
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('__session='));
  if (!cookie) throw new Error('POST /v1/auth/session set no __session cookie');
  return cookie.slice('__session='.length, cookie.indexOf(';'));
}

/** GET /v1/me with the given headers: the status (and the error code when refused). */
export async function me(baseUrl: string, headers: Record<string, string>): Promise<{ status: number; code?: string }> {
  const res = await fetch(`${baseUrl}/v1/me`, { headers });
  const text = await res.text();
  let code: string | undefined;
  if (res.status !== 200) {
    try {
      code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
    } catch {
      /* not JSON */
    }
  }
  return { status: res.status, code };
}

export async function expectOk(baseUrl: string, headers: Record<string, string>, what: string): Promise<void> {
  const r = await me(baseUrl, headers);
  if (r.status !== 200) throw new Error(`GET /v1/me with ${what}: HTTP ${r.status} ${r.code ?? ''}`);
}
