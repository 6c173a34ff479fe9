/**
 * The access tokens' signing keys: each enabled version of the token signing secret holds one
 * ES256 private JWK. A version's keys are imported once and kept (a version's payload never
 * changes); which versions count is the provider's cached list, so a warm instance verifies a
 * token without any I/O. The newest enabled version signs; every enabled version verifies and is
 * published in the JWKS; a disabled version does neither.
 *
 * After a rotation, instances learn the new version at different times (each refreshes its list
 * every KEYWARD_SECRETS_TTL_MS). So that one instance's new tokens are not refused by another that
 * has not refreshed yet, a kid naming a version newer than the cached list's newest makes the list
 * reload, and so does a JWKS request: each at most once per `reloadIntervalMs` per instance, so a
 * made-up kid cannot turn into a Secret Manager call per request.
 */
import type { JWK, KeyLike } from 'jose';
import type { ProviderSecret, SecretVersion, VersionSet } from '../secrets/provider';
import { kidOf, TOKEN_ALG, versionOfKid } from './claims';

export interface SigningKey {
  kid: string;
  key: KeyLike;
}

export interface TokenKeyring {
  /** The newest enabled version's private key (waits for Secret Manager only when cold). */
  signingKey(): Promise<SigningKey>;
  /** The public key a kid names when that version is enabled; undefined otherwise. */
  verificationKey(kid: unknown): Promise<KeyLike | undefined>;
  /** The public JWKs of every enabled version, newest first. */
  publicJwks(): Promise<JWK[]>;
}

interface Imported {
  privateKey: KeyLike;
  publicKey: KeyLike;
  publicJwk: JWK;
}

const jose = () => require('jose') as typeof import('jose');

/** Imports one version's JWK; refuses anything that is not a P-256 private key. */
async function importVersion(version: SecretVersion): Promise<Imported> {
  const jwk = JSON.parse(version.material.toString('utf8')) as JWK;
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d || !jwk.x || !jwk.y) {
    throw new Error(`token signing secret version ${version.version} is not a P-256 private JWK`);
  }
  const kid = kidOf(version.version);
  const publicJwk: JWK = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid, alg: TOKEN_ALG, use: 'sig' };
  const [privateKey, publicKey] = await Promise.all([
    jose().importJWK({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, d: jwk.d }, TOKEN_ALG),
    jose().importJWK(publicJwk, TOKEN_ALG),
  ]);
  return { privateKey: privateKey as KeyLike, publicKey: publicKey as KeyLike, publicJwk };
}

export function tokenKeyring(secret: ProviderSecret, now: () => number = Date.now, reloadIntervalMs = 10_000): TokenKeyring {
  const imported = new Map<string, Promise<Imported>>();
  const keysOf = (version: SecretVersion): Promise<Imported> => {
    let keys = imported.get(version.version);
    if (!keys) {
      keys = importVersion(version);
      imported.set(version.version, keys);
    }
    return keys;
  };
  const versions = async () => secret.peek() ?? (await secret.versions());
  let reloadedAt = -Infinity;
  /** The list as Secret Manager has it now, throttled; the cached one when throttled or unreachable. */
  const reloaded = async (cached: VersionSet): Promise<VersionSet> => {
    if (!secret.reload || now() - reloadedAt < reloadIntervalMs) return cached;
    reloadedAt = now();
    return secret.reload().catch(() => cached);
  };

  return {
    async signingKey() {
      const current = (await versions()).current;
      return { kid: kidOf(current.version), key: (await keysOf(current)).privateKey };
    },
    async verificationKey(kid) {
      const version = versionOfKid(kid);
      if (version === undefined) return undefined;
      let set = await versions();
      if (!set.get(version) && Number(version) > Number(set.current.version)) set = await reloaded(set);
      const enabled = set.get(version);
      return enabled ? (await keysOf(enabled)).publicKey : undefined;
    },
    async publicJwks() {
      const out: JWK[] = [];
      for (const version of (await reloaded(await versions())).enabled) {
        try {
          out.push((await keysOf(version)).publicJwk);
        } catch {
          // A version that is not a signing key verifies nothing; publish the others.
        }
      }
      return out;
    },
  };
}
