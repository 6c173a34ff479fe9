/**
 * Whether a key can authenticate now: the one answer every path that accepts a key or its tokens
 * asks for (API keys, signed requests, access tokens, `keywardAuth`, issuance, `/oauth/token`,
 * `/oauth/introspect`, secret scanning). Pure: a record, the secret presented (matched by its
 * digest, or named by a token's `key_gen`), the prefix the key was presented with, the clock.
 *
 * The order is fixed so every path gives the same reason: revoked, expired, paused, then the
 * secret (replaced past its grace period), then the prefix.
 */
import { refuse, accept, type Decision } from '../decision';
import type { KeyRecord, StoredSecret } from './record';

export type KeyStatus = 'active' | 'disabled' | 'expired' | 'revoked';

/** Revoked and expired are final and win; `disabled` is the owner's reversible pause. */
export function keyStatus(record: KeyRecord, now: number): KeyStatus {
  if (record.revokedAt !== null) return 'revoked';
  if (record.expiresAt <= now) return 'expired';
  return record.disabledAt != null ? 'disabled' : 'active';
}

/** Whether one of a key's secrets still works: not replaced past its grace period. */
export function secretLive(secret: Pick<StoredSecret, 'notAfter'>, now: number): boolean {
  return secret.notAfter === null || secret.notAfter > now;
}

/**
 * Whether a key presented with `prefix` may be the one whose `secret` was minted: the prefix is
 * part of the key (its checksum covers it), so a key re-dressed with another prefix is not the
 * key that was handed out. Secrets minted before prefixes were recorded accept none or `deployment`.
 */
export function prefixMatches(secret: Pick<StoredSecret, 'signingPrefix'>, prefix: string, deployment: string): boolean {
  if (secret.signingPrefix !== undefined) return secret.signingPrefix === prefix;
  return prefix === '' || prefix === deployment;
}

export interface Presented {
  /** The stored secret the credential matched (a key's digest, a signature) or names (a token's generation); found by its salt. */
  secret: StoredSecret;
  /** The prefix the key string carried ('' for none); undefined for credentials that carry none (tokens, signatures). */
  prefix?: string;
  /** The deployment's prefix (config.keys.prefix). */
  deployment?: string;
}

/** The key's status for one presented secret; refusals carry `challenge` (the credential's 401 challenge). */
export function decideKeyStatus(record: KeyRecord, presented: Presented, now: number, challenge: string, what = 'API key'): Decision {
  switch (keyStatus(record, now)) {
    case 'revoked':
      return refuse('revoked_credential', `The ${what} has been revoked.`, { challenge });
    case 'expired':
      return refuse('expired_credential', `The ${what} has expired.`, { challenge });
    case 'disabled':
      // Same code as a revocation, so clients need no new case, until the owner resumes it.
      return refuse('revoked_credential', `The ${what} is disabled by its owner.`, { challenge });
    case 'active':
      break;
  }
  const held = record.secrets.find((s) => s.salt === presented.secret.salt);
  if (!held || !secretLive(held, now)) {
    return refuse('revoked_credential', `The ${what}'s secret was replaced and its grace period has ended; use the new secret.`, { challenge });
  }
  if (presented.prefix !== undefined && !prefixMatches(held, presented.prefix, presented.deployment ?? '')) {
    return refuse('invalid_credential', `The ${what} is not valid.`, { challenge });
  }
  return accept();
}

/**
 * Whether a secret could work now or later: what a leak report must stop. A paused key can be
 * resumed, so its secrets count; a revoked or expired key, or a secret replaced past its grace
 * period, never works again.
 */
export function secretMayWork(record: KeyRecord, secret: StoredSecret, now: number): boolean {
  const status = keyStatus(record, now);
  const held = record.secrets.find((s) => s.salt === secret.salt);
  return (status === 'active' || status === 'disabled') && held !== undefined && secretLive(held, now);
}
