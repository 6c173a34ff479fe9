/**
 * The introspection answer (RFC 7662 §2.2). An inactive token gets `{"active": false}` and
 * nothing else, whatever the reason, so the answer says nothing about tokens it does not vouch
 * for. `scope` is what the token may do now: the owner's current roles and permissions within
 * the key's and the token's scopes. Pure.
 */
import type { InspectedToken } from '../credentials/access-token';
import { grantsOf } from '../keys/restrictions';

/**
 * RFC 7662's members and `key_type`, nothing more: any server key may introspect any token, so the
 * answer holds only what the token itself says, whether it is active, and what it may do now (never
 * its key's limits, credits or usage: another tenant's business).
 */
export function introspectionBody(token: InspectedToken | undefined): Record<string, unknown> {
  if (!token) return { active: false };
  const { iss, sub, aud, exp, iat, nbf, jti } = token.payload;
  return {
    active: true,
    scope: [...grantsOf(token.claims)].sort().join(' '),
    client_id: token.subject.keyId,
    token_type: 'Bearer',
    sub,
    iss,
    aud,
    exp,
    iat,
    nbf,
    jti,
    key_type: token.subject.keyType,
  };
}
