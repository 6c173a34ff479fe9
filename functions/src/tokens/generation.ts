/**
 * An access token lives no longer than the key secret that minted it: regenerating a key ends
 * its earlier tokens when the old secret's grace period ends. A token does not name its secret,
 * but the time it was issued does: one issued before the key's last regeneration came from an
 * earlier secret, which lives on only as a grace-period secret. Pure.
 *
 * `iat` has whole seconds, so a token issued in the same second as the regeneration, just after
 * it, counts as the old secret's (fail closed: with no grace period, take a new one a second later).
 * Known gap: a token issued with the old secret during the grace period counts as the new one's.
 */
import type { KeyRecord } from '../keys/record';

export function mintingSecretLive(record: Pick<KeyRecord, 'regeneratedAt' | 'secrets'>, iatSeconds: number, now: number): boolean {
  if (record.regeneratedAt === null || iatSeconds * 1000 >= record.regeneratedAt) return true;
  return record.secrets.slice(1).some((s) => s.notAfter === null || s.notAfter > now);
}
