/**
 * The introspection answer (RFC 7662 §2.2). An inactive token gets `{"active": false}` and
 * nothing else, whatever the reason, so the answer says nothing about tokens it does not vouch
 * for. `scope` is what the token may do now: the owner's current roles and permissions within
 * the key's and the token's scopes. Pure.
 */
import type { InspectedToken } from '../credentials/access-token';
import type { KeyUsage } from '../identity';
import { grantsOf } from '../keys/restrictions';

/** `usage`: what the token's key has left (limits/call-limiter.ts), an extension field. */
export function introspectionBody(token: InspectedToken | undefined, usage?: KeyUsage): Record<string, unknown> {
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
    ...(usage ? { usage } : {}),
  };
}
