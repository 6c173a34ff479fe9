/**
 * The key record a key-based identity was verified with, kept beside the identity for the rest of
 * its request: the call limiter reads its limits, credits and owner from it instead of looking
 * the record up again. A WeakMap rather than a field of Identity: the identity is the shared
 * vocabulary of every layer (identity.ts imports nothing), and is spread into responses and
 * audit entries, where a record has no place. The entry goes when the identity object does, at
 * the end of the request; a record holds secret digests, never a secret.
 */
import type { Identity } from '../identity';
import type { KeyRecord } from '../keys/record';

const verified = new WeakMap<Identity, KeyRecord>();

/** Returns `identity`, remembering that `record` verified it. */
export function withKey(identity: Identity, record: KeyRecord): Identity {
  verified.set(identity, record);
  return identity;
}

/** The record that verified this identity object, if it was made by a key verification. */
export function verifiedKeyOf(identity: Identity): KeyRecord | undefined {
  return verified.get(identity);
}
