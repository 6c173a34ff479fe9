// The provider secrets Keyward needs in Secret Manager: created (with a first version) when missing.
// Used by the local stack (scripts/stack.ts), rotation tests and the admin CLI.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';

export const API_KEY_HMAC_SECRET = 'keyward-api-key-hmac';
export const TOKEN_SIGNING_SECRET = 'keyward-token-signing';
/** Signs the audit chains' checkpoints (docs/audit.md#checkpoints). */
export const AUDIT_SIGNING_SECRET = 'keyward-audit-signing';
export const PROVIDER_SECRETS = [API_KEY_HMAC_SECRET, TOKEN_SIGNING_SECRET, AUDIT_SIGNING_SECRET] as const;
export type ProviderSecretId = (typeof PROVIDER_SECRETS)[number];

/** The provider secret a (possibly instance-prefixed, `kit-<instance>-...`) secret id is. */
function baseSecretId(secretId: string): string {
  return PROVIDER_SECRETS.find((base) => secretId === base || (secretId.startsWith('kit-') && secretId.endsWith(`-${base}`))) ?? secretId;
}

/** A fresh payload of the right kind for the given provider secret (of any function-kit instance). */
export function providerSecretPayload(secretId: string): Buffer {
  switch (baseSecretId(secretId)) {
    case API_KEY_HMAC_SECRET:
      return randomBytes(32);
    case TOKEN_SIGNING_SECRET:
    case AUDIT_SIGNING_SECRET: {
      const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
      return Buffer.from(JSON.stringify(jwk));
    }
    default:
      throw new Error(`unknown provider secret ${secretId}`);
  }
}

function isEnabled(state: unknown): boolean {
  return state === 'ENABLED' || state === 1;
}

function grpcCode(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null ? (err as { code?: number }).code : undefined;
}

const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;

/** Adds a fresh version of the right kind to a provider secret; returns its version number. */
export async function addProviderSecretVersion(
  client: SecretManagerServiceClient,
  projectId: string,
  secretId: string,
): Promise<number> {
  const [version] = await client.addSecretVersion({
    parent: `projects/${projectId}/secrets/${secretId}`,
    payload: { data: providerSecretPayload(secretId) },
  });
  const n = Number(/\/versions\/(\d+)$/.exec(version.name ?? '')?.[1]);
  if (!Number.isInteger(n)) throw new Error(`unexpected secret version name ${version.name}`);
  return n;
}

/**
 * Creates the provider secrets if missing and gives each a first version when it has no
 * ENABLED version. Returns, per secret, whether a version was added.
 */
export async function seedProviderSecrets(
  client: SecretManagerServiceClient,
  projectId: string,
  /** The secret ids to seed: by default the provider secrets' own; a function-kit instance's carry its prefix. */
  secretIds: readonly string[] = PROVIDER_SECRETS,
): Promise<Record<ProviderSecretId, { created: boolean; addedVersion?: number }>> {
  const result = {} as Record<string, { created: boolean; addedVersion?: number }>;
  for (const secretId of secretIds) {
    const name = `projects/${projectId}/secrets/${secretId}`;
    let created = false;
    try {
      await client.getSecret({ name });
    } catch (err) {
      if (grpcCode(err) !== NOT_FOUND) throw err;
      try {
        await client.createSecret({
          parent: `projects/${projectId}`,
          secretId,
          secret: { replication: { automatic: {} }, labels: { app: 'keyward' } },
        });
        created = true;
      } catch (e) {
        if (grpcCode(e) !== ALREADY_EXISTS) throw e;
      }
    }
    const [versions] = await client.listSecretVersions({ parent: name });
    const hasEnabled = versions.some((v) => isEnabled(v.state));
    result[secretId] = hasEnabled
      ? { created }
      : { created, addedVersion: await addProviderSecretVersion(client, projectId, secretId) };
  }
  return result;
}
