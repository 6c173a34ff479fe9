/**
 * API key secrets that matched a cached key record, so that the next request with the same key
 * compares strings instead of computing the HMAC again (two SHA-256 calls, most of a cache-hit
 * verification's CPU). A hit stands for exactly what the HMAC would say: the same secret, under
 * the same record (a record read again is a new object, and starts empty) and the same provider
 * key material (a disabled version is no longer in the set); whether the stored secret is still
 * live at `now` is checked on every hit. The comparison is constant-time, and a miss takes the
 * full path, so a wrong secret costs what it always cost.
 *
 * The secrets sit in this instance's memory only while their record is cached (the HMAC key that
 * verifies them is in the same memory), never in the datastore or a log.
 */
import type { KeyRecord, StoredSecret } from '../keys/record';
import type { VersionSet } from '../secrets/provider';

interface Match {
  secret: string;
  stored: StoredSecret;
  material: Buffer;
}

export interface MatchedSecrets {
  /** The stored secret `secret` matched under this record, if its version is still enabled and it is live at `now`. */
  get(record: KeyRecord, secret: string, versions: VersionSet, now: number): StoredSecret | undefined;
  /** Remembers that `secret` matched `stored` (whose version is in `versions`). */
  set(record: KeyRecord, secret: string, versions: VersionSet, stored: StoredSecret): void;
}

/** Equal strings, in time that depends only on their lengths (secrets have a fixed length). */
function sameSecret(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export function matchedSecrets(): MatchedSecrets {
  const matches = new WeakMap<KeyRecord, Match[]>();
  return {
    get(record, secret, versions, now) {
      const known = matches.get(record);
      if (!known) return undefined;
      let found: StoredSecret | undefined;
      // Every remembered match is compared (no early exit), as every stored digest is on the full path.
      for (const m of known) {
        if (sameSecret(m.secret, secret) && versions.get(m.stored.version)?.material === m.material) found = m.stored;
      }
      return found && (found.notAfter === null || found.notAfter > now) ? found : undefined;
    },
    set(record, secret, versions, stored) {
      const material = versions.get(stored.version)?.material;
      if (!material) return;
      // At most one per stored secret of the record (a key in its grace period has two).
      const known = (matches.get(record) ?? []).filter((m) => m.stored !== stored);
      known.push({ secret, stored, material });
      matches.set(record, known);
    },
  };
}
