/**
 * The access token's shape. Header: `alg: ES256`, `typ: at+jwt` (RFC 9068), `kid: v<N>` where N
 * is the Secret Manager version of `keyward-token-signing` that signed it. Claims: `iss`, `sub`
 * (the key owner's uid), `aud`, `iat`, `nbf`, `exp`, `jti`, and Keyward's own:
 * `key_id`, `key_type`, `key_gen` (the generation of the key secret that minted it), and `scope` (space-separated, RFC 8693 style) when the token is limited
 * to scopes; no `scope` means the owner's full permissions, an empty one means none. Pure.
 */
import { isKeyId } from '../keys/format';
import { isKeyType, type KeyType } from '../identity';
import { SCOPE_PATTERN } from '../keys/restrictions';

export const TOKEN_ALG = 'ES256';
export const TOKEN_TYP = 'at+jwt';

const KID_PATTERN = /^v([1-9][0-9]{0,9})$/;
const MAX_SCOPES = 50;

export function kidOf(version: string): string {
  return `v${version}`;
}

/** The secret version a kid names, or undefined when it is not one of ours. */
export function versionOfKid(kid: unknown): string | undefined {
  if (typeof kid !== 'string') return undefined;
  return KID_PATTERN.exec(kid)?.[1];
}

export interface TokenSubject {
  uid: string;
  keyId: string;
  keyType: KeyType;
  /** null: the owner's full permissions. */
  scopes: string[] | null;
  /** The generation of the key secret that minted the token (`key_gen`): the token stops when that secret stops. */
  generation: string;
}

const GENERATION_PATTERN = /^[A-Za-z0-9_-]{16}$/;

/** Keyward's private claims (registered ones are set by the signer). */
export function privateClaims(subject: TokenSubject): Record<string, string> {
  const claims: Record<string, string> = { key_id: subject.keyId, key_type: subject.keyType, key_gen: subject.generation };
  if (subject.scopes !== null) claims.scope = subject.scopes.join(' ');
  return claims;
}

/** Reads a verified payload back; undefined when it is not the shape Keyward issues. */
export function readSubject(payload: Record<string, unknown>): TokenSubject | undefined {
  const { sub, key_id: keyId, key_type: keyType, key_gen: generation, scope } = payload;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 128) return undefined;
  if (typeof generation !== 'string' || !GENERATION_PATTERN.test(generation)) return undefined;
  if (typeof keyId !== 'string' || !isKeyId(keyId) || !isKeyType(keyType)) return undefined;
  let scopes: string[] | null = null;
  if (scope !== undefined) {
    scopes = typeof scope === 'string' ? parseScope(scope) ?? null : null;
    if (scopes === null) return undefined;
  }
  return { uid: sub, keyId, keyType, scopes, generation };
}

/** A space-separated scope list; undefined when malformed. `''` is the empty list. */
export function parseScope(value: string): string[] | undefined {
  if (value === '') return [];
  const scopes = value.split(' ');
  if (scopes.length > MAX_SCOPES || !scopes.every((s) => SCOPE_PATTERN.test(s))) return undefined;
  return [...new Set(scopes)];
}

/** Scopes in both lists; null stands for "everything". */
export function intersectScopes(a: string[] | null, b: string[] | null): string[] | null {
  if (a === null) return b;
  if (b === null) return a;
  const other = new Set(b);
  return a.filter((s) => other.has(s));
}
