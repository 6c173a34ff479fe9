/**
 * After a rotation of the HMAC provider secret, instances learn the new version at different
 * times: each lists the versions again every KEYWARD_SECRETS_TTL_MS. A key created on an instance
 * that already knows the new version records it; another instance that has not listed it yet would
 * refuse that key until its own refresh. So a verifier that meets a stored secret naming a version
 * newer than the newest it knows lists the versions again before it decides (the token keyring does
 * the same for kids, tokens/keyring.ts).
 *
 * At most once per `intervalMs` per provider secret (per instance): the API-key and signature
 * verifiers share the one budget, and a record naming a version that never comes cannot turn into
 * a Secret Manager call per request. When Secret Manager cannot be reached the cached list stands
 * (the key is then refused, as before: fail closed).
 */
import type { ProviderSecret, VersionSet } from './provider';

export const CATCH_UP_INTERVAL_MS = 10_000;

const lastCatchUp = new WeakMap<ProviderSecret, number>();

/** True when one of `wanted` is a version newer than the newest `known` holds. */
export function namesNewerVersion(known: VersionSet, wanted: Iterable<string>): boolean {
  const newest = Number(known.current.version);
  for (const version of wanted) {
    if (known.get(version) === undefined && Number(version) > newest) return true;
  }
  return false;
}

/** `known`, or the versions listed again when `wanted` names a newer one (throttled, see above). */
export async function catchUpVersions(
  secret: ProviderSecret,
  known: VersionSet,
  wanted: Iterable<string>,
  now: number,
  intervalMs = CATCH_UP_INTERVAL_MS,
): Promise<VersionSet> {
  if (!secret.reload || !namesNewerVersion(known, wanted)) return known;
  const last = lastCatchUp.get(secret);
  if (last !== undefined && now - last < intervalMs) return known;
  lastCatchUp.set(secret, now);
  return secret.reload().catch(() => known);
}
