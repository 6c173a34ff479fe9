// Helpers for the API-key tests that run the app in this process (harness/in-process.ts) against the
// test stack's emulators: requests to one instance, keys created on it, made-up keys.
import type { TestUser } from '../../harness/auth';
import { jsonHeaders, type CreatedKey } from '../../harness/keys';
import { fetchJson } from '../tokens/support';
import { formatKey, newKeyId, newSecret } from '../../../functions/src/keys/format';

export { fetchJson, secretManager } from '../tokens/support';

/** GET /v1/me on an instance with the given headers. */
export const meAt = (baseUrl: string, headers: Record<string, string>) => fetchJson(`${baseUrl}/v1/me`, { headers });

/** Creates a key on one instance with the user's ID token. */
export async function createKeyAt(baseUrl: string, user: TestUser, body: Record<string, unknown> = { name: 'test key' }): Promise<CreatedKey> {
  const res = await fetchJson(`${baseUrl}/v1/keys`, { method: 'POST', headers: jsonHeaders(user.idToken), body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`create key: ${res.status} ${res.text}`);
  return res.json as CreatedKey;
}

/** A well-formed key with a valid checksum whose id no instance ever created. */
export function unknownKey(type: 'server' | 'web' | 'mobile' = 'server'): string {
  const keyId = newKeyId();
  return formatKey({ type, keyId, secret: newSecret(type, keyId) });
}

export const b64 = (s: string) => Buffer.from(s).toString('base64');

/** The header forms that carry the whole key string. */
export function wholeKeyForms(key: string): Record<string, string>[] {
  return [{ authorization: `ApiKey ${key}` }, { 'x-api-key': key }, { authorization: `Bearer ${key}` }];
}

/** The header forms that carry the key id and the secret apart (no type). */
export function pairForms(id: string, secret: string): Record<string, string>[] {
  return [{ authorization: `ApiKey ${b64(`${id}:${secret}`)}` }, { 'x-api-key': b64(id), 'x-api-secret': b64(secret) }];
}

/** Every header form an API key can be sent in (contract: "Credentials accepted"). */
export function keyHeaderForms(key: string): Record<string, string>[] {
  const [, id = '', secret = ''] = key.split('_');
  return [...wholeKeyForms(key), ...pairForms(id, secret)];
}
