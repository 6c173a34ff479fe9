/**
 * Firebase ID tokens and session cookies whose signature, issuer, audience and expiry
 * firebase-admin verified, remembered so that the next request with the same one skips the
 * certificate parse and RS256 verification. Keyed by the SHA-256 of the token (the token itself
 * is never held), at most `maxEntries` of them, each only until its own `exp`. What can change
 * while a token is still unexpired (revocation, a disabled user, the user's claims) is not
 * cached here: the caller checks it on every request against the user record
 * (credentials/firebase-tokens.ts).
 */
import { hash } from 'node:crypto';
import type { DecodedIdToken } from 'firebase-admin/auth';

export interface VerifiedTokens {
  /** The decoded token when this exact token was verified before and has not expired. */
  get(token: string): DecodedIdToken | undefined;
  /** Remembers a token firebase-admin just verified. */
  set(token: string, decoded: DecodedIdToken): void;
  readonly size: number;
}

export const DEFAULT_VERIFIED_TOKENS = 10_000;

export function verifiedTokens(maxEntries = DEFAULT_VERIFIED_TOKENS, now: () => number = Date.now): VerifiedTokens {
  const entries = new Map<string, DecodedIdToken>();
  const keyOf = (token: string) => hash('sha256', token, 'base64url');
  return {
    get(token) {
      const key = keyOf(token);
      const decoded = entries.get(key);
      if (decoded === undefined) return undefined;
      if (decoded.exp * 1000 > now()) return decoded;
      entries.delete(key);
      return undefined;
    },
    set(token, decoded) {
      if (!(typeof decoded.exp === 'number' && decoded.exp * 1000 > now())) return;
      const key = keyOf(token);
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
