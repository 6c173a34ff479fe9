/**
 * A local, in-memory Secret Manager (google.cloud.secretmanager.v1) for the official
 * `@google-cloud/secret-manager` client. It keeps the semantics Keyward depends on — secrets,
 * numbered versions and their ENABLED/DISABLED/DESTROYED states — and answers UNIMPLEMENTED for the
 * rest of the service (IAM, rotation, UpdateSecret, list filters, expiry) instead of pretending.
 *
 * Client side (see ENVIRONMENT.md): new SecretManagerServiceClient({ apiEndpoint: '127.0.0.1', port,
 * sslCreds: require('google-gax').grpc.credentials.createInsecure() }). The credentials must come
 * from the grpc-js copy google-gax uses: grpc-js checks `instanceof ChannelCredentials`.
 */
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { implementService, invalid, type UnaryImpl, loadProtos, notFound, packageRoot, RpcError, serviceDefinition, startGrpcServer } from './protos';

export interface SecretManagerEmulator {
  port: number;
  stop(): Promise<void>;
  stats(): { calls: Record<string, number> };
}

type VersionState = 'ENABLED' | 'DISABLED' | 'DESTROYED';

interface Timestamp {
  seconds: string;
  nanos: number;
}

interface StoredVersion {
  number: number;
  createTime: Timestamp;
  destroyTime?: Timestamp;
  state: VersionState;
  data?: Buffer; // gone once DESTROYED
  crc32c: string;
  clientChecksum: boolean;
  etag: string;
}

interface StoredSecret {
  name: string;
  createTime: Timestamp;
  replication: ReplicationIn;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  etag: string;
  versions: StoredVersion[]; // oldest first; version n is versions[n - 1]
}

// Requests as proto-loader decodes them (see LOADER_OPTIONS): only the fields read here.
interface ReplicationIn {
  automatic?: object | null;
  userManaged?: { replicas?: Array<{ location?: string }> } | null;
  replication?: string;
}
interface SecretIn {
  replication?: ReplicationIn | null;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  topics?: unknown[];
  expiration?: string; // set when expireTime or ttl is given
  rotation?: object | null;
  versionDestroyTtl?: object | null;
  customerManagedEncryption?: object | null;
  versionAliases?: Record<string, string>;
  tags?: Record<string, string>;
}
interface ParentRequest {
  parent: string;
  pageSize?: number;
  pageToken?: string;
  filter?: string;
}
interface NameRequest {
  name: string;
  etag?: string;
}
interface CreateSecretRequest {
  parent: string;
  secretId: string;
  secret?: SecretIn | null;
}
interface AddSecretVersionRequest {
  parent: string;
  payload?: { data?: Buffer; dataCrc32c?: string } | null;
}

const PROJECT = /^projects\/([^/]+)$/;
const SECRET = /^projects\/([^/]+)\/secrets\/([^/]+)$/;
const VERSION = /^projects\/([^/]+)\/secrets\/([^/]+)\/versions\/([^/]+)$/;
const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;
const MAX_PAYLOAD = 64 * 1024;
const MAX_PAGE = 25000;

export async function startSecretManagerEmulator(opts: { host?: string; port: number }): Promise<SecretManagerEmulator> {
  const protoDir = join(packageRoot('@google-cloud/secret-manager'), 'build', 'protos');
  const defs = loadProtos(protoDir, 'google/cloud/secretmanager/v1/service.proto');
  const service = serviceDefinition(defs, 'google.cloud.secretmanager.v1.SecretManagerService');
  const store = new SecretStore();
  const calls: Record<string, number> = {};
  const impl = implementService(service, store.handlers(), calls, 'Secret Manager');
  const server = await startGrpcServer(opts.host ?? '127.0.0.1', opts.port, [[service, impl]]);
  return {
    port: server.port,
    stop: () => server.stop(),
    stats: () => ({ calls: { ...calls } }),
  };
}

class SecretStore {
  private readonly secrets = new Map<string, StoredSecret>();
  private etagCounter = 0;

  handlers(): Record<string, UnaryImpl> {
    return {
      CreateSecret: (r: CreateSecretRequest) => this.createSecret(r),
      GetSecret: (r: NameRequest) => secretOut(this.secret(r.name)),
      ListSecrets: (r: ParentRequest) => this.listSecrets(r),
      DeleteSecret: (r: NameRequest) => this.deleteSecret(r),
      AddSecretVersion: (r: AddSecretVersionRequest) => this.addVersion(r),
      GetSecretVersion: (r: NameRequest) => {
        const [secret, version] = this.version(r.name);
        return versionOut(secret, version);
      },
      ListSecretVersions: (r: ParentRequest) => this.listVersions(r),
      AccessSecretVersion: (r: NameRequest) => this.access(r),
      EnableSecretVersion: (r: NameRequest) => this.setState(r, 'ENABLED'),
      DisableSecretVersion: (r: NameRequest) => this.setState(r, 'DISABLED'),
      DestroySecretVersion: (r: NameRequest) => this.setState(r, 'DESTROYED'),
    };
  }

  private nextEtag(): string {
    return `"${(++this.etagCounter).toString(16).padStart(12, '0')}"`;
  }

  private createSecret(r: CreateSecretRequest): unknown {
    if (!PROJECT.test(r.parent)) throw invalid(`parent must look like projects/<project>, got "${r.parent}"`);
    if (!SECRET_ID.test(r.secretId)) throw invalid(`secret_id must match [A-Za-z0-9_-]{1,255}, got "${r.secretId}"`);
    const s = r.secret;
    if (!s?.replication || !(s.replication.automatic || s.replication.userManaged)) {
      throw invalid('secret.replication is required (automatic or user_managed)');
    }
    // Features whose behaviour this emulator does not reproduce: refuse rather than ignore.
    const unsupported = [
      s.expiration && 'expire_time/ttl',
      s.rotation && 'rotation',
      s.topics?.length && 'topics',
      s.versionDestroyTtl && 'version_destroy_ttl',
      s.customerManagedEncryption && 'customer_managed_encryption',
      Object.keys(s.versionAliases ?? {}).length && 'version_aliases',
      Object.keys(s.tags ?? {}).length && 'tags',
    ].filter(Boolean);
    if (unsupported.length) throw new RpcError(status.UNIMPLEMENTED, `the local Secret Manager emulator does not support ${unsupported.join(', ')}`);
    const name = `${r.parent}/secrets/${r.secretId}`;
    if (this.secrets.has(name)) throw new RpcError(status.ALREADY_EXISTS, `Secret [${name}] already exists.`);
    const secret: StoredSecret = {
      name,
      createTime: now(),
      replication: s.replication,
      labels: { ...(s.labels ?? {}) },
      annotations: { ...(s.annotations ?? {}) },
      etag: this.nextEtag(),
      versions: [],
    };
    this.secrets.set(name, secret);
    return secretOut(secret);
  }

  private secret(name: string): StoredSecret {
    if (!SECRET.test(name)) throw invalid(`secret name must look like projects/<project>/secrets/<secret>, got "${name}"`);
    const secret = this.secrets.get(name);
    if (!secret) throw notFound(`Secret [${name}] not found or has no versions.`);
    return secret;
  }

  /** Resolves a version name; `latest` is the most recently created version, whatever its state. */
  private version(name: string): [StoredSecret, StoredVersion] {
    const m = VERSION.exec(name);
    if (!m) throw invalid(`version name must look like projects/<project>/secrets/<secret>/versions/<version>, got "${name}"`);
    const secretName = `projects/${m[1]}/secrets/${m[2]}`;
    const secret = this.secrets.get(secretName);
    if (!secret) throw notFound(`Secret [${secretName}] not found or has no versions.`);
    const spec = m[3]!;
    let version: StoredVersion | undefined;
    if (spec === 'latest') version = secret.versions[secret.versions.length - 1];
    else if (/^[1-9][0-9]*$/.test(spec)) version = secret.versions[Number(spec) - 1];
    if (!version) throw notFound(`Secret Version [${name}] not found.`);
    return [secret, version];
  }

  private listSecrets(r: ParentRequest): unknown {
    if (!PROJECT.test(r.parent)) throw invalid(`parent must look like projects/<project>, got "${r.parent}"`);
    rejectFilter(r.filter);
    const all = [...this.secrets.values()].filter((s) => s.name.startsWith(`${r.parent}/secrets/`)).sort((a, b) => cmp(a.name, b.name));
    const after = r.pageToken ? decodeToken(r.pageToken) : undefined;
    const rest = after === undefined ? all : all.filter((s) => s.name > after);
    const page = rest.slice(0, pageSize(r.pageSize));
    const more = rest.length > page.length;
    return {
      secrets: page.map(secretOut),
      nextPageToken: more ? encodeToken(page[page.length - 1]!.name) : '',
      totalSize: all.length,
    };
  }

  private deleteSecret(r: NameRequest): unknown {
    const secret = this.secret(r.name);
    checkEtag(r.etag, secret.etag, r.name);
    this.secrets.delete(secret.name);
    return {};
  }

  private addVersion(r: AddSecretVersionRequest): unknown {
    const secret = this.secret(r.parent);
    const data = r.payload?.data;
    if (!r.payload || !data) throw invalid('payload.data is required');
    if (data.length > MAX_PAYLOAD) throw invalid(`payload is ${data.length} bytes; the limit is ${MAX_PAYLOAD}`);
    const crc = crc32c(data).toString();
    const given = r.payload.dataCrc32c; // proto3 optional: undefined unless the client set it
    if (given !== undefined && given !== crc) {
      throw invalid(`Checksum mismatch: payload.data_crc32c is ${given} but the data's CRC32C is ${crc}`);
    }
    const version: StoredVersion = {
      number: secret.versions.length + 1,
      createTime: now(),
      state: 'ENABLED',
      data: Buffer.from(data),
      crc32c: crc,
      clientChecksum: given !== undefined,
      etag: this.nextEtag(),
    };
    secret.versions.push(version);
    return versionOut(secret, version);
  }

  /** Newest first, every state (destroyed versions stay listed, without data). */
  private listVersions(r: ParentRequest): unknown {
    const secret = this.secret(r.parent);
    rejectFilter(r.filter);
    const all = [...secret.versions].reverse();
    const before = r.pageToken ? Number(decodeToken(r.pageToken)) : undefined;
    if (before !== undefined && !Number.isInteger(before)) throw invalid('invalid page_token');
    const rest = before === undefined ? all : all.filter((v) => v.number < before);
    const page = rest.slice(0, pageSize(r.pageSize));
    const more = rest.length > page.length;
    return {
      versions: page.map((v) => versionOut(secret, v)),
      nextPageToken: more ? encodeToken(String(page[page.length - 1]!.number)) : '',
      totalSize: all.length,
    };
  }

  private access(r: NameRequest): unknown {
    const [secret, version] = this.version(r.name);
    const name = `${secret.name}/versions/${version.number}`;
    if (version.state !== 'ENABLED' || !version.data) {
      throw new RpcError(status.FAILED_PRECONDITION, `Secret Version [${name}] is in ${version.state} state.`);
    }
    return { name, payload: { data: version.data, dataCrc32c: version.crc32c } };
  }

  private setState(r: NameRequest, target: VersionState): unknown {
    const [secret, version] = this.version(r.name);
    checkEtag(r.etag, version.etag, r.name);
    if (version.state === 'DESTROYED') {
      throw new RpcError(status.FAILED_PRECONDITION, `Secret Version [${secret.name}/versions/${version.number}] is in DESTROYED state.`);
    }
    if (version.state !== target) {
      version.state = target;
      version.etag = this.nextEtag();
      if (target === 'DESTROYED') {
        version.data = undefined;
        version.destroyTime = now();
      }
    }
    return versionOut(secret, version);
  }
}

function secretOut(s: StoredSecret): unknown {
  return {
    name: s.name,
    replication: s.replication,
    createTime: s.createTime,
    labels: s.labels,
    annotations: s.annotations,
    etag: s.etag,
    versionAliases: {},
  };
}

function versionOut(secret: StoredSecret, v: StoredVersion): unknown {
  return {
    name: `${secret.name}/versions/${v.number}`,
    createTime: v.createTime,
    destroyTime: v.destroyTime ?? null,
    state: v.state,
    replicationStatus: secret.replication.automatic
      ? { automatic: {} }
      : { userManaged: { replicas: (secret.replication.userManaged?.replicas ?? []).map((r) => ({ location: r.location })) } },
    etag: v.etag,
    clientSpecifiedPayloadChecksum: v.clientChecksum,
  };
}

function checkEtag(given: string | undefined, current: string, name: string): void {
  if (given && given !== current) throw new RpcError(status.ABORTED, `etag ${given} does not match the current etag of [${name}]`);
}

function rejectFilter(filter: string | undefined): void {
  if (filter) throw new RpcError(status.UNIMPLEMENTED, `list filters are not implemented by the local Secret Manager emulator (got "${filter}")`);
}

function pageSize(requested: number | undefined): number {
  if (requested !== undefined && requested < 0) throw invalid('page_size must not be negative');
  return requested ? Math.min(requested, MAX_PAGE) : MAX_PAGE;
}

// Page tokens are opaque to clients; here they carry the last key returned, so a page is stable
// when secrets or versions are added between calls.
function encodeToken(key: string): string {
  return Buffer.from(JSON.stringify({ after: key })).toString('base64url');
}

function decodeToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    /* fall through */
  }
  throw invalid('invalid page_token');
}

function now(): Timestamp {
  const ms = Date.now();
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1; // Castagnoli, reflected
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC32C (Castagnoli) of `data`, as Secret Manager reports it in payload.data_crc32c. */
export function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC32C_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
