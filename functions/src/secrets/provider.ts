/**
 * Provider secrets from Secret Manager, versioned. Each secret is read as the list of its
 * ENABLED versions: the newest makes new keys and tokens, every enabled one verifies what it
 * made, a disabled one verifies nothing. The list is refreshed in the background every
 * `ttlMs`; a version's payload never changes, so payloads are fetched once.
 * A warm cache keeps serving through a Secret Manager outage; a cold one fails closed.
 */
import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { unavailable } from '../errors';

export interface SecretVersion {
  /** The version number as a string ("1", "2", …): recorded with keys, used as the JWT kid. */
  version: string;
  material: Buffer;
}

export interface VersionSet {
  /** Newest enabled version. */
  current: SecretVersion;
  /** Every enabled version, newest first. */
  enabled: SecretVersion[];
  get(version: string): SecretVersion | undefined;
}

export interface ProviderSecret {
  /** The versions, waiting for Secret Manager only when nothing is cached. */
  versions(): Promise<VersionSet>;
  /** The cached versions when they are fresh enough to use without I/O. */
  peek(): VersionSet | undefined;
  /**
   * Lists the versions again now (sharing a load in flight): for a caller that meets a version
   * newer than the cached list knows (another instance refreshed first). Callers throttle it.
   */
  reload?(): Promise<VersionSet>;
}

export interface SecretSource {
  listEnabledVersions(secretId: string): Promise<string[]>;
  access(secretId: string, version: string): Promise<Buffer>;
}

/**
 * Secret Manager behind the two calls Keyward needs. The client is created on first use. Each call
 * waits at most `timeoutMs`, the client's retries included (its own default is 60 s per call): a
 * Secret Manager that accepts connections but does not answer fails a cold instance closed
 * in bounded time instead of holding every request.
 * `client` resolves to an initialized client (lib/initialized-client.ts).
 */
export function secretManagerSource(projectId: string, client: () => Promise<SecretManagerServiceClient>, timeoutMs = 5000): SecretSource {
  const options = { timeout: timeoutMs };
  return {
    async listEnabledVersions(secretId) {
      const [versions] = await (await client()).listSecretVersions(
        {
          parent: `projects/${projectId}/secrets/${secretId}`,
        },
        options,
      );
      return versions
        .filter((v) => v.state === 'ENABLED')
        .map((v) => String(v.name).split('/').pop() as string)
        .sort((a, b) => Number(b) - Number(a));
    },
    async access(secretId, version) {
      const [res] = await (await client()).accessSecretVersion(
        {
          name: `projects/${projectId}/secrets/${secretId}/versions/${version}`,
        },
        options,
      );
      const data = res.payload?.data;
      if (!data) throw new Error(`secret ${secretId} version ${version} has no payload`);
      return Buffer.from(data as Uint8Array);
    },
  };
}

export function providerSecret(
  source: SecretSource,
  secretId: string,
  ttlMs: number,
  now: () => number = Date.now,
): ProviderSecret {
  const payloads = new Map<string, Buffer>();
  let cached: { set: VersionSet; loadedAt: number } | undefined;
  let loading: Promise<VersionSet> | undefined;

  async function load(): Promise<VersionSet> {
    const names = await source.listEnabledVersions(secretId);
    if (names.length === 0) throw new Error(`secret ${secretId} has no enabled version`);
    const enabled: SecretVersion[] = [];
    for (const version of names) {
      let material = payloads.get(version);
      if (!material) {
        material = await source.access(secretId, version);
        payloads.set(version, material);
      }
      enabled.push({ version, material });
    }
    const byVersion = new Map(enabled.map((v) => [v.version, v]));
    const set: VersionSet = { current: enabled[0]!, enabled, get: (v) => byVersion.get(v) };
    cached = { set, loadedAt: now() };
    return set;
  }

  function refresh(): Promise<VersionSet> {
    loading ??= load().finally(() => (loading = undefined));
    return loading;
  }

  return {
    peek() {
      if (!cached) return undefined;
      if (now() - cached.loadedAt >= ttlMs) refresh().catch(() => undefined); // keep serving the last good set
      return cached.set;
    },
    async versions() {
      const warm = this.peek();
      if (warm) return warm;
      try {
        return await refresh();
      } catch (err) {
        throw unavailable('The secret store is unavailable; try again shortly.', err);
      }
    },
    reload: () => refresh(),
  };
}
