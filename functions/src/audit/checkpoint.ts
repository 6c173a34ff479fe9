/**
 * Signed checkpoints of the audit chains (docs/audit.md#checkpoints): a compact JWS, ES256, whose
 * payload says "chain `chain` had `seq` entries, the last with hash `hash`, at `at`". `final`
 * marks the last checkpoint of a chain (its writer shut down); `void` lists sequence numbers that
 * were taken but never written (a lifecycle write Cloud Logging refused: the operation was undone,
 * so no entry exists), as ranges `[first, last]`. The key is the audit signing secret's newest
 * version (`kid` `v<N>`); the public keys are at `/.well-known/audit-jwks.json`.
 */
import type { JWK, KeyLike } from 'jose';
import { CHAIN_HASH, CHAIN_ID } from './chain';

export const CHECKPOINT_TYP = 'keyward-audit-checkpoint+jwt';
export const CHECKPOINT_ALG = 'ES256';

export interface CheckpointClaims {
  chain: string;
  seq: number;
  hash: string;
  /** ISO 8601, UTC. */
  at: string;
  final: boolean;
  void?: Array<[number, number]>;
}

const jose = () => require('jose') as typeof import('jose');

export async function signCheckpoint(claims: CheckpointClaims, key: { kid: string; key: KeyLike }): Promise<string> {
  return new (jose().CompactSign)(new TextEncoder().encode(JSON.stringify(claims))).setProtectedHeader({ alg: CHECKPOINT_ALG, kid: key.kid, typ: CHECKPOINT_TYP }).sign(key.key);
}

const isRange = (v: unknown): v is [number, number] =>
  Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && Number.isSafeInteger(v[1]) && (v[0] as number) >= 1 && (v[0] as number) <= (v[1] as number);

/** The claims, when `value` has the shape of a checkpoint's; undefined otherwise. */
export function checkpointClaims(value: unknown): CheckpointClaims | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const c = value as Record<string, unknown>;
  if (typeof c.chain !== 'string' || !CHAIN_ID.test(c.chain)) return undefined;
  if (!Number.isSafeInteger(c.seq) || (c.seq as number) < 1) return undefined;
  if (typeof c.hash !== 'string' || !CHAIN_HASH.test(c.hash)) return undefined;
  if (typeof c.at !== 'string' || Number.isNaN(Date.parse(c.at))) return undefined;
  if (typeof c.final !== 'boolean') return undefined;
  if (c.void !== undefined && !(Array.isArray(c.void) && c.void.every(isRange))) return undefined;
  const out: CheckpointClaims = { chain: c.chain, seq: c.seq as number, hash: c.hash, at: c.at, final: c.final };
  if (c.void) out.void = c.void as Array<[number, number]>;
  return out;
}

/**
 * The claims of a checkpoint whose signature one of `jwks` verifies (by `kid`), or why not.
 * Only ES256 with the checkpoint `typ` is accepted: never a key the header brings along.
 */
export async function verifyCheckpoint(jws: string, jwks: readonly JWK[]): Promise<{ claims: CheckpointClaims } | { error: string }> {
  const { compactVerify, decodeProtectedHeader, importJWK } = jose();
  let kid: unknown;
  try {
    const header = decodeProtectedHeader(jws);
    if (header.alg !== CHECKPOINT_ALG || header.typ !== CHECKPOINT_TYP) return { error: 'not an ES256 audit checkpoint' };
    kid = header.kid;
  } catch {
    return { error: 'not a JWS' };
  }
  const jwk = jwks.find((k) => k.kid === kid);
  if (!jwk) return { error: `no public key with kid ${JSON.stringify(kid)}` };
  try {
    const { payload } = await compactVerify(jws, await importJWK({ ...jwk, alg: CHECKPOINT_ALG }, CHECKPOINT_ALG), { algorithms: [CHECKPOINT_ALG] });
    const claims = checkpointClaims(JSON.parse(new TextDecoder().decode(payload)));
    return claims ? { claims } : { error: 'the signed payload is not a checkpoint' };
  } catch {
    return { error: 'the signature does not verify' };
  }
}
