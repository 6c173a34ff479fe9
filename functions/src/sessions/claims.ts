/**
 * Editing a user's Keyward custom claims: the roles `admin` and `auditor` (booleans) and
 * `permissions: string[]`. Pure: the admin CLI reads the current claims, applies one change with
 * `editClaims`, writes the result and revokes the user's sessions. Claims Keyward does not know
 * are kept as they are.
 */
import type { Claims } from '../identity';
import { SCOPE_PATTERN } from '../keys/restrictions';

export const ROLES = ['admin', 'auditor'] as const;
export type Role = (typeof ROLES)[number];
export type ClaimChange = 'grant' | 'revoke';

/** A permission can become a key scope, so it is spelled like one. */
const PERMISSION_PATTERN = SCOPE_PATTERN;
/** Firebase refuses custom claims whose JSON is longer than this. */
export const MAX_CLAIMS_BYTES = 1000;

export class ClaimsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClaimsError';
  }
}

export function isRole(name: string): name is Role {
  return (ROLES as readonly string[]).includes(name);
}

function permissionsOf(claims: Claims): string[] {
  return Array.isArray(claims.permissions) ? claims.permissions.filter((p): p is string => typeof p === 'string') : [];
}

function sameClaims(a: Claims, b: Claims): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Applies one grant or revoke; `changed` is false when the user already was in that state. */
export function editClaims(current: Claims, name: string, change: ClaimChange): { claims: Claims; changed: boolean } {
  const next: Claims = { ...current };
  if (isRole(name)) {
    if (change === 'grant') next[name] = true;
    else delete next[name];
  } else {
    if (!PERMISSION_PATTERN.test(name)) {
      throw new ClaimsError(`"${name.slice(0, 70)}" is neither a role (admin, auditor) nor a valid permission (1 to 64 of A-Z a-z 0-9 _ . : -).`);
    }
    const held = permissionsOf(current);
    const permissions = change === 'grant' ? (held.includes(name) ? held : [...held, name]) : held.filter((p) => p !== name);
    if (permissions.length) next.permissions = permissions;
    else delete next.permissions;
  }
  if (Buffer.byteLength(JSON.stringify(next)) > MAX_CLAIMS_BYTES) {
    throw new ClaimsError(`The custom claims would exceed Firebase's limit of ${MAX_CLAIMS_BYTES} bytes.`);
  }
  return { claims: next, changed: !sameClaims(current, next) };
}
