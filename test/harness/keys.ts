// Helpers for tests that need API keys: created through the real API with an ID token.
import { api, createUser, type TestUser } from './auth';

export interface CreatedKey {
  id: string;
  key: string;
  signingSecret: string;
  type: string;
  [field: string]: unknown;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
export const jsonHeaders = (token: string) => ({ ...bearer(token), 'content-type': 'application/json' });

export async function createKey(user: TestUser, body: Record<string, unknown> = { name: 'test key' }): Promise<CreatedKey> {
  const res = await api('/v1/keys', { method: 'POST', headers: jsonHeaders(user.idToken), body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`create key: ${res.status} ${res.text}`);
  return res.json as CreatedKey;
}

export async function userWithKey(body?: Record<string, unknown>): Promise<{ user: TestUser; key: CreatedKey }> {
  const user = await createUser();
  return { user, key: await createKey(user, body) };
}
