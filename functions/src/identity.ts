/**
 * The vocabulary every layer shares: who a request acts for, how it proved it, and the kinds of
 * key. Types and one-line predicates only; no imports.
 */
export const KEY_TYPES = ['server', 'web', 'mobile'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export function isKeyType(value: unknown): value is KeyType {
  return typeof value === 'string' && (KEY_TYPES as readonly string[]).includes(value);
}

/** A Firebase uid as Keyward accepts one from a caller (`On-Behalf-Of`, the audit and usage reads). */
export const UID_PATTERN = /^[A-Za-z0-9_.:@-]{1,128}$/;

export type AuthMethod = 'session' | 'id_token' | 'api_key' | 'access_token' | 'signature';

/** Custom claims Keyward gives meaning to; anything else a project sets is carried along. */
export interface Claims {
  admin?: boolean;
  auditor?: boolean;
  permissions?: string[];
  [claim: string]: unknown;
}

/** Who a request acts for, and how it proved it. The output of the credential pipeline. */
export interface Identity {
  uid: string;
  claims: Claims;
  method: AuthMethod;
  keyId?: string;
  keyType?: KeyType;
  /** The key's scopes; undefined means the owner's full permissions (interactive credentials). */
  scopes?: string[];
  /** The key owner's uid when `On-Behalf-Of` was used; `uid` is then the user acted for. */
  actor?: string;
  /** Key-based credentials: the generation of the key secret the request proved (keys/digest.ts `secretGeneration`). */
  secretGeneration?: string;
  /** A team key's credentials: the team that owns the key (`uid` is then `team:<id>`). */
  team?: string;
  /** Key-based credentials: what the key has left after this request (limits/call-limiter.ts); `usage` in `GET /v1/me`. */
  allowanceLeft?: AllowanceLeft;
}

/** A key's remaining allowance: the tightest rate limit (as `RateLimit-*` reports it), and its credits when it has any. */
export interface AllowanceLeft {
  rateLimit: { limit: number; remaining: number; resetSeconds: number };
  credits?: { remaining: number; nextRefillAt: string | null };
}

/** Interactive credentials: a person signed in. Only these may manage keys. */
export function isInteractive(identity: Identity): boolean {
  return identity.method === 'session' || identity.method === 'id_token';
}
