/**
 * Firebase ID tokens and session cookies whose signature, issuer, audience and expiry
 * firebase-admin verified, remembered so that the next request with the same one skips the
 * certificate parse and RS256 verification. Keyed by the SHA-256 of the token (the token itself
 * is never held), at most `maxEntries` of them, each only until its own `exp`. What can change
 * while a token is still unexpired (revocation, a disabled user, the user's claims) is not
 * cached here: the caller checks it on every request against the user record
 * (credentials/firebase-tokens.ts).
 */
import type { DecodedIdToken } from 'firebase-admin/auth';
import { tokenHash } from '../lib/token-hash';

export interface VerifiedTokens {
  /** The decoded token when this exact token was verified before and has not expired. `key`: its tokenHash, when the caller has it. */
  get(token: string, key?: string): DecodedIdToken | undefined;
  /** Remembers a token firebase-admin just verified. */
  set(token: string, decoded: DecodedIdToken, key?: string): void;
  readonly size: number;
}

export const DEFAULT_VERIFIED_TOKENS = 10_000;

export function verifiedTokens(maxEntries = DEFAULT_VERIFIED_TOKENS, now: () => number = Date.now): VerifiedTokens {
  const entries = new Map<string, DecodedIdToken>();
  return {
    get(token, key = tokenHash(token)) {
      const decoded = entries.get(key);
      if (decoded === undefined) return undefined;
      if (decoded.exp * 1000 > now()) return decoded;
      entries.delete(key);
      return undefined;
    },
    set(token, decoded, key = tokenHash(token)) {
      if (!(typeof decoded.exp === 'number' && decoded.exp * 1000 > now())) return;
      entries.delete(key);
      // Full: the oldest entry goes (Map keeps insertion order).
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(key, decoded);
    },
    get size() {
      return entries.size;
    },
  };
}
