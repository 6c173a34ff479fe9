/**
 * What a reported token is, and whether it is really one of a key's secrets. Pure. A token names
 * its key (the key id inside it), so a report never needs a lookup by secret; it is confirmed
 * against the record's digests (API keys) or re-derived signing secrets, every candidate
 * computed and compared in constant time.
 */
import type { VersionSet } from '../secrets/provider';
import type { KeyRecord, StoredSecret } from '../keys/record';
import { digestMatches, keyDigestBytes, safeEqual, signingSecret } from './digest';
import { parseKey, parseSigningSecret, type ParsedKey } from './format';

export type LeakedCredential = { kind: 'api_key'; keyId: string; key: ParsedKey } | { kind: 'signing_secret'; keyId: string };

/** The Keyward credential a token has the shape of (checksum included), or undefined. */
export function identifyToken(token: string): LeakedCredential | undefined {
  const key = parseKey(token);
  if (key) return { kind: 'api_key', keyId: key.keyId, key };
  const signing = parseSigningSecret(token);
  return signing && { kind: 'signing_secret', keyId: signing.keyId };
}

/**
 * The stored secret `token` is (or whose signing secret it is), live or not (a secret past its
 * grace period that leaks is still the key's): its digest, or its re-derived signing secret, matches.
 */
export function leakedSecret(record: KeyRecord, credential: LeakedCredential, token: string, versions: VersionSet): StoredSecret | undefined {
  let found: StoredSecret | undefined;
  for (const stored of record.secrets) {
    const material = versions.get(stored.version)?.material;
    if (!material) continue;
    const ok =
      credential.kind === 'api_key'
        ? record.type === credential.key.type && digestMatches(keyDigestBytes(material, record.keyId, credential.key.secret), stored.digest)
        : stored.signingPrefix !== undefined && safeEqual(signingSecret(material, record.keyId, stored.salt, stored.signingPrefix), token);
    if (ok) found = stored;
  }
  return found;
}
