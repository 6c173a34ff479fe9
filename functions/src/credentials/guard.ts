/**
 * Access by custom claims: one guard for every endpoint. Pure.
 *
 * What a request may do is what its user holds now (roles `admin`, `auditor` and `permissions`,
 * read from the user record, not from the token), narrowed by the scopes of the key or access
 * token it came with. An admin passes every check; an auditor check also passes admins.
 * - `role` and `permission` failures are 403 `forbidden`;
 * - `scope` failures are 403 `insufficient_scope`: use it where a key or token may have been
 *   created with fewer scopes than its owner holds.
 */
import { accept, enforce, refuse, type Decision } from '../decision';
import { grantsOf } from '../keys/restrictions';
import type { Identity } from '../identity';

export interface ClaimRequirement {
  role?: 'admin' | 'auditor';
  permission?: string;
  scope?: string;
}

/** Roles and permissions this request holds: the user's current grants within the credential's scopes. */
export function effectiveGrants(identity: Identity): Set<string> {
  const grants = grantsOf(identity.claims);
  if (identity.scopes === undefined) return grants;
  const scopes = new Set(identity.scopes);
  if (scopes.has('admin')) scopes.add('auditor'); // a key scoped to admin may do what an auditor may
  return new Set([...grants].filter((g) => scopes.has(g)));
}

/** Whether the identity meets every part of the requirement. */
export function hasClaims(identity: Identity, requirement: ClaimRequirement): boolean {
  return missingClaim(identity, requirement) === undefined;
}

function missingClaim(identity: Identity, requirement: ClaimRequirement): 'forbidden' | 'insufficient_scope' | undefined {
  const grants = effectiveGrants(identity);
  if (grants.has('admin')) return undefined;
  if (requirement.role !== undefined && !grants.has(requirement.role)) return 'forbidden';
  if (requirement.permission !== undefined && !grants.has(requirement.permission)) return 'forbidden';
  if (requirement.scope !== undefined && !grants.has(requirement.scope)) return 'insufficient_scope';
  return undefined;
}

/** 401 without an identity, 403 `forbidden` or `insufficient_scope` when a claim is missing. */
export function decideClaims(identity: Identity | undefined, requirement: ClaimRequirement): Decision<Identity> {
  if (!identity) return refuse('unauthenticated', 'This endpoint needs a credential.', { challenge: 'Bearer' });
  const missing = missingClaim(identity, requirement);
  if (missing === 'forbidden') return refuse('forbidden', `This needs ${describe(requirement)}.`);
  if (missing === 'insufficient_scope') return refuse('insufficient_scope', `This needs the scope ${requirement.scope}.`);
  return accept(identity);
}

/** `decideClaims`, thrown: for handlers. */
export function requireClaims(identity: Identity | undefined, requirement: ClaimRequirement): Identity {
  return enforce(decideClaims(identity, requirement));
}

function describe(requirement: ClaimRequirement): string {
  const parts: string[] = [];
  if (requirement.role) parts.push(`the ${requirement.role} role`);
  if (requirement.permission) parts.push(`the ${requirement.permission} permission`);
  return parts.join(' and ') || 'more privileges';
}
