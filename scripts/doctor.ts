// `npm run doctor -- --project <id>`: checks what a Keyward deploy needs in a project (provider
// secrets and their enabled versions, the audit log bucket and sink, the Firestore indexes and TTL
// policies, the Google APIs the functions call (Cloud Tasks for webhooks among them), the runtime
// service account's roles) and prints what is missing with the command that fixes it. Read-only.
// A demo- project (or --emulators) is checked against the local emulators.
// Anything it cannot reach is reported as not checked, in one line, never as a stack trace.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  apiFindings,
  apiStates,
  auditFindings,
  checkSecretValue,
  exitCode,
  firestoreFindings,
  iamFindings,
  render,
  RUNTIME_APIS,
  secretFindings,
  bucketOfView,
  type AuditFacts,
  type Finding,
  type FirestoreFacts,
  type IamFacts,
  type IndexSpec,
  type SecretFacts,
  type Settings,
} from './doctor/findings';
import { instanceName } from '../functions/src/config';

const ROOT = join(__dirname, '..');
const USAGE = `usage: npm run doctor -- --project <id> [--service-account <email>] [--timeout <seconds>] [--instance <kit instance> --config-dir <dir>]

  Installed as a function kit (docs/kit.md): --instance names the instance (its secrets, log and
  collections carry its prefix) and --config-dir is its folder of .env files in your project.

  Checks the project's Keyward setup with application default credentials
  (gcloud auth application-default login). Settings, the runtime service account
  (KEYWARD_SERVICE_ACCOUNT) included, come from functions/.env and functions/.env.<id>. A demo- project is checked against the local emulators
  (SECRET_MANAGER_EMULATOR_HOST, CLOUD_LOGGING_EMULATOR_HOST, FIRESTORE_EMULATOR_HOST, or npm start's ports).`;

const LOCAL = { secretManager: '127.0.0.1:8085', logging: '127.0.0.1:8086', firestore: '127.0.0.1:8080' };

class UsageError extends Error {}

export interface DoctorOptions {
  projectId: string;
  serviceAccount?: string;
  timeoutMs: number;
  /** A function-kit instance (config.ts `instanceName`), and the folder of its .env files. */
  instance?: string;
  configDir?: string;
  /** host:port of each emulator, or undefined for Google's services. */
  emulators?: { secretManager: string; logging: string; firestore: string };
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): DoctorOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        project: { type: 'string' },
        'service-account': { type: 'string' },
        timeout: { type: 'string' },
        instance: { type: 'string' },
        'config-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) throw new UsageError('');
  const projectId = values.project;
  if (!projectId || !/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(projectId)) throw new UsageError('--project <id> is required (a Firebase project id)');
  const timeout = Number(values.timeout ?? 15);
  if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 300) throw new UsageError('--timeout must be seconds between 1 and 300');
  const sa = values['service-account'];
  if (sa !== undefined && !/^[^@\s]+@[^@\s]+\.iam\.gserviceaccount\.com$|^[^@\s]+@developer\.gserviceaccount\.com$/.test(sa)) {
    throw new UsageError('--service-account must be a service account email');
  }
  const demo = projectId.startsWith('demo-');
  if (values.instance !== undefined && !/^[a-z0-9_](?:[a-z0-9_-]{0,38}[a-z0-9_])?$/.test(values.instance)) throw new UsageError('--instance must be a function kit instance id');
  if ((values.instance === undefined) !== (values['config-dir'] === undefined)) throw new UsageError('--instance and --config-dir go together');
  return {
    projectId,
    serviceAccount: sa,
    // The instance `keyward` keeps the unprefixed names (config.ts).
    instance: values.instance === 'keyward' ? undefined : values.instance,
    configDir: values['config-dir'],
    timeoutMs: timeout * 1000,
    emulators: demo
      ? {
          secretManager: env.SECRET_MANAGER_EMULATOR_HOST ?? LOCAL.secretManager,
          logging: env.CLOUD_LOGGING_EMULATOR_HOST ?? LOCAL.logging,
          firestore: env.FIRESTORE_EMULATOR_HOST ?? LOCAL.firestore,
        }
      : undefined,
  };
}

/** functions/.env, then functions/.env.<project>: what a deploy to that project would use. */
export function loadSettings(projectId: string, dir = join(ROOT, 'functions'), instance?: string): Settings {
  const named = (name: string) => instanceName(instance, name);
  const values: Record<string, string> = {};
  for (const file of ['.env', `.env.${projectId}`]) {
    const path = join(dir, file);
    if (!existsSync(path)) continue;
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
      if (m) values[m[1]!] = m[2]!.replace(/^(['"])(.*)\1$/, '$2');
    }
  }
  return {
    projectId,
    hmacSecret: named(values.KEYWARD_HMAC_SECRET || 'keyward-api-key-hmac'),
    tokenSigningSecret: named(values.KEYWARD_TOKEN_SIGNING_SECRET || 'keyward-token-signing'),
    auditSigningSecret: named(values.KEYWARD_AUDIT_SIGNING_SECRET || 'keyward-audit-signing'),
    auditLog: named(values.KEYWARD_AUDIT_LOG || 'keyward-audit'),
    auditView: values.KEYWARD_AUDIT_VIEW ?? '',
    serviceAccount: expandServiceAccount(values.KEYWARD_SERVICE_ACCOUNT || 'keyward-runtime@', projectId),
  };
}

/** As firebase deploy does: `name@` is name@<project id>.iam.gserviceaccount.com. */
function expandServiceAccount(value: string, projectId: string): string {
  return value.endsWith('@') ? `${value}${projectId}.iam.gserviceaccount.com` : value;
}

// ---- talking to the services ------------------------------------------------------------------

const GRPC_CODES = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'];

/** One line about a failed call: its gRPC or HTTP status and the first line of its message. */
export function describeError(err: unknown): string {
  const e = err as { code?: unknown; status?: unknown; details?: unknown; message?: unknown };
  const code = typeof e.code === 'number' ? (GRPC_CODES[e.code] ?? String(e.code)) : typeof e.status === 'number' ? `HTTP ${e.status}` : typeof e.code === 'string' ? e.code : undefined;
  const text = String(e.details || e.message || err).split('\n')[0]!.replace(/^\d+ [A-Z_]+: /, '').slice(0, 200);
  return code && !text.startsWith(code) ? `${code}: ${text}` : text;
}

const isNotFound = (err: unknown) => (err as { code?: unknown }).code === 5 || (err as { status?: unknown }).status === 404;

function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Insecure gRPC credentials from the google-gax copy the given client package uses. */
function insecureFor(pkg: string) {
  const gaxPath = require.resolve('google-gax', { paths: [dirname(require.resolve(`${pkg}/package.json`))] });
  return (require(gaxPath) as { grpc: { credentials: { createInsecure(): unknown } } }).grpc.credentials.createInsecure();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each client package has its own ClientOptions type
function clientOptions(pkg: string, host: string | undefined): any {
  if (!host) return {};
  const [apiEndpoint, port] = host.split(':');
  return { apiEndpoint, servicePath: apiEndpoint, port: Number(port), sslCreds: insecureFor(pkg), universeDomain: 'googleapis.com' };
}

interface Clients {
  secrets: import('@google-cloud/secret-manager').SecretManagerServiceClient;
  logging: import('@google-cloud/logging-api').ConfigServiceV2Client;
  firestoreAdmin: InstanceType<typeof import('@google-cloud/firestore').v1.FirestoreAdminClient>;
  close(): Promise<void>;
}

function clients(o: DoctorOptions): Clients {
  const { SecretManagerServiceClient } = require('@google-cloud/secret-manager') as typeof import('@google-cloud/secret-manager');
  const { ConfigServiceV2Client } = require('@google-cloud/logging-api') as typeof import('@google-cloud/logging-api');
  const { v1 } = require('@google-cloud/firestore') as typeof import('@google-cloud/firestore');
  const secrets = new SecretManagerServiceClient(clientOptions('@google-cloud/secret-manager', o.emulators?.secretManager));
  const logging = new ConfigServiceV2Client(clientOptions('@google-cloud/logging-api', o.emulators?.logging));
  const firestoreAdmin = new v1.FirestoreAdminClient(clientOptions('@google-cloud/firestore', o.emulators?.firestore));
  return {
    secrets,
    logging,
    firestoreAdmin,
    close: async () => {
      await Promise.allSettled([secrets.close(), logging.close(), firestoreAdmin.close()]);
    },
  };
}

async function secretFacts(c: Clients, o: DoctorOptions, id: string, kind: SecretFacts['kind']): Promise<SecretFacts> {
  const name = `projects/${o.projectId}/secrets/${id}`;
  try {
    await within(o.timeoutMs, 'Secret Manager', c.secrets.getSecret({ name }));
  } catch (err) {
    if (isNotFound(err)) return { id, kind, exists: false, enabled: [] };
    throw err;
  }
  const [versions] = await within(o.timeoutMs, 'Secret Manager', c.secrets.listSecretVersions({ parent: name }, { autoPaginate: true }));
  const enabled = versions
    .filter((v) => v.state === 'ENABLED' || v.state === 1)
    .map((v) => String(v.name).split('/').pop()!)
    .sort((a, b) => Number(b) - Number(a));
  if (enabled.length === 0) return { id, kind, exists: true, enabled };
  const [access] = await within(o.timeoutMs, 'Secret Manager', c.secrets.accessSecretVersion({ name: `${name}/versions/${enabled[0]}` }));
  const value = Buffer.from(access.payload?.data ?? '');
  return { id, kind, exists: true, enabled, badValue: checkSecretValue(kind, value) };
}

async function auditFacts(c: Clients, o: DoctorOptions, s: Settings): Promise<AuditFacts> {
  const target = bucketOfView(s.auditView);
  if (!target) return { sinks: [] };
  let bucket: AuditFacts['bucket'];
  try {
    const [b] = await within(o.timeoutMs, 'Cloud Logging', c.logging.getBucket({ name: `projects/${o.projectId}/locations/${target.location}/buckets/${target.bucket}` }));
    bucket = { name: String(b.name), locked: Boolean(b.locked), retentionDays: Number(b.retentionDays ?? 0) };
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const [sinks] = await within(o.timeoutMs, 'Cloud Logging', c.logging.listSinks({ parent: `projects/${o.projectId}` }, { autoPaginate: true }));
  return { bucket, sinks: sinks.map((k) => ({ name: String(k.name), destination: String(k.destination), filter: String(k.filter ?? ''), disabled: Boolean(k.disabled) })) };
}

/** The indexes and TTL policies firestore.indexes.json declares, on the instance's collections. */
export function wantedFirestore(instance?: string): { indexes: IndexSpec[]; ttl: string[] } {
  const file = JSON.parse(readFileSync(join(ROOT, 'firestore.indexes.json'), 'utf8')) as {
    indexes: IndexSpec[];
    fieldOverrides?: Array<{ collectionGroup: string; fieldPath: string; ttl?: boolean }>;
  };
  const named = (group: string) => instanceName(instance, group);
  return {
    indexes: file.indexes.map((i) => ({ ...i, collectionGroup: named(i.collectionGroup) })),
    ttl: (file.fieldOverrides ?? []).filter((f) => f.ttl).map((f) => `${named(f.collectionGroup)}/${f.fieldPath}`),
  };
}

async function firestoreFacts(c: Clients, o: DoctorOptions, wanted: { ttl: string[] }): Promise<FirestoreFacts> {
  const db = `projects/${o.projectId}/databases/(default)`;
  const [indexes] = await within(o.timeoutMs, 'Firestore', c.firestoreAdmin.listIndexes({ parent: `${db}/collectionGroups/-` }, { autoPaginate: true }));
  const ttl: FirestoreFacts['ttl'] = {};
  for (const field of wanted.ttl) {
    const [group, path] = field.split('/');
    try {
      const [f] = await within(o.timeoutMs, 'Firestore', c.firestoreAdmin.getField({ name: `${db}/collectionGroups/${group}/fields/${path}` }));
      ttl[field] = f.ttlConfig?.state === undefined || f.ttlConfig?.state === null ? undefined : String(f.ttlConfig.state);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return {
    indexes: indexes.map((i) => ({
      collectionGroup: String(i.name).split('/collectionGroups/')[1]?.split('/')[0] ?? '',
      fields: (i.fields ?? []).map((f) => ({ fieldPath: String(f.fieldPath), order: f.order === undefined || f.order === null ? undefined : String(f.order) })),
      state: String(i.state),
    })),
    ttl,
  };
}

/** Google's REST APIs with application default credentials (the gRPC clients above cover the rest). */
type RestClient = Awaited<ReturnType<InstanceType<typeof import('google-auth-library').GoogleAuth>['getClient']>>;

function restClient(): Promise<RestClient> {
  const { GoogleAuth } = require('google-auth-library') as typeof import('google-auth-library');
  return new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] }).getClient();
}

/** The runtime APIs' states, in one Service Usage call. */
async function apiFacts(rest: () => Promise<RestClient>, o: DoctorOptions): Promise<Record<string, string | undefined>> {
  const client = await rest();
  const names = new URLSearchParams(RUNTIME_APIS.map(({ api }): [string, string] => ['names', `projects/${o.projectId}/services/${api}`]));
  const answer = await within(
    o.timeoutMs,
    'Service Usage',
    client.request<Parameters<typeof apiStates>[0]>({ url: `https://serviceusage.googleapis.com/v1/projects/${o.projectId}/services:batchGet?${names}`, method: 'GET' }),
  );
  return apiStates(answer.data);
}

/** The runtime account's own IAM policy: null when it does not exist; why, when it cannot be read. */
async function accountPolicy(client: RestClient, o: DoctorOptions, serviceAccount: string): Promise<IamFacts['account']> {
  try {
    const policy = await within(
      o.timeoutMs,
      'IAM',
      client.request<{ bindings?: IamFacts['project'] }>({ url: `https://iam.googleapis.com/v1/projects/-/serviceAccounts/${encodeURIComponent(serviceAccount)}:getIamPolicy`, method: 'POST', data: { options: { requestedPolicyVersion: 3 } } }),
    );
    return policy.data.bindings ?? [];
  } catch (err) {
    return isNotFound(err) ? null : { unreadable: describeError(err) };
  }
}

async function iamFacts(c: Clients, rest: () => Promise<RestClient>, o: DoctorOptions, s: Settings): Promise<IamFacts> {
  const client = await rest();
  const base = `https://cloudresourcemanager.googleapis.com/v1/projects/${o.projectId}`;
  const serviceAccount = o.serviceAccount ?? s.serviceAccount;
  const policy = await within(
    o.timeoutMs,
    'Resource Manager',
    client.request<{ bindings?: IamFacts['project'] }>({ url: `${base}:getIamPolicy`, method: 'POST', data: { options: { requestedPolicyVersion: 3 } } }),
  );
  const secrets: IamFacts['secrets'] = {};
  for (const id of [s.hmacSecret, s.tokenSigningSecret, s.auditSigningSecret]) {
    try {
      const [p] = await within(o.timeoutMs, 'Secret Manager', c.secrets.getIamPolicy({ resource: `projects/${o.projectId}/secrets/${id}` }));
      secrets[id] = (p.bindings ?? []).map((b) => ({ role: String(b.role), members: (b.members ?? []).map(String) }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return { serviceAccount, project: policy.data.bindings ?? [], secrets, account: await accountPolicy(client, o, serviceAccount) };
}

/** Runs one check; a failure to read becomes one "not checked" line. */
async function check(what: string, run: () => Promise<Finding[]>): Promise<Finding[]> {
  try {
    return await run();
  } catch (err) {
    return [{ status: 'unchecked', what, detail: `could not read it (${describeError(err)})` }];
  }
}

/** What only Google has: the APIs' states and IAM, over REST with one set of credentials. */
function remoteChecks(c: Clients, o: DoctorOptions, s: Settings): Promise<Finding[]>[] {
  // Made once, on first use inside a check, so a failure to get credentials is that check's one line.
  let client: Promise<RestClient> | undefined;
  const rest = () => (client ??= restClient());
  return [
    check('Google APIs', async () => apiFindings(o.projectId, await apiFacts(rest, o))),
    check('runtime service account roles', async () => iamFindings(s, await iamFacts(c, rest, o, s))),
  ];
}

export async function doctor(o: DoctorOptions): Promise<Finding[]> {
  const s = o.configDir ? loadSettings(o.projectId, o.configDir, o.instance) : loadSettings(o.projectId);
  const c = clients(o);
  try {
    const wanted = wantedFirestore(o.instance);
    const results = await Promise.all([
      check(`secret ${s.hmacSecret}`, async () => secretFindings(await secretFacts(c, o, s.hmacSecret, 'hmac'), o.projectId)),
      check(`secret ${s.tokenSigningSecret}`, async () => secretFindings(await secretFacts(c, o, s.tokenSigningSecret, 'token-signing'), o.projectId)),
      // Audit checkpoints are signed with a P-256 key of their own, in the token key's format.
      check(`secret ${s.auditSigningSecret}`, async () => secretFindings(await secretFacts(c, o, s.auditSigningSecret, 'token-signing'), o.projectId)),
      check('audit log bucket and sink', async () => auditFindings(s, await auditFacts(c, o, s))),
      check('Firestore indexes and TTL policies', async () => firestoreFindings(o.projectId, wanted, await firestoreFacts(c, o, wanted))),
      ...(o.emulators
        ? [
            Promise.resolve<Finding[]>([{ status: 'advice', what: 'Google APIs', detail: 'not checked locally: the emulators have no Service Usage' }]),
            Promise.resolve<Finding[]>([{ status: 'advice', what: 'runtime service account roles', detail: 'not checked locally: the emulators have no IAM' }]),
          ]
        : remoteChecks(c, o, s)),
    ]);
    return results.flat();
  } finally {
    await c.close();
  }
}

async function main(): Promise<number> {
  let options: DoctorOptions;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (err.message) console.error(`doctor: ${err.message}\n`);
    console.error(USAGE);
    return 2;
  }
  process.env.GOOGLE_CLOUD_PROJECT = process.env.GCLOUD_PROJECT = options.projectId;
  if (options.emulators) process.env.METADATA_SERVER_DETECTION ??= 'none';
  const where = options.emulators ? `the local emulators (Secret Manager ${options.emulators.secretManager}, Cloud Logging ${options.emulators.logging}, Firestore ${options.emulators.firestore})` : 'Google Cloud';
  console.log(`Keyward doctor: project ${options.projectId}, on ${where}\n`);
  if (!options.emulators) {
    // Without credentials the client libraries fail in callbacks nobody awaits (a crash with a
    // trace): ask for them first, in one line.
    try {
      await within(options.timeoutMs, 'Application default credentials', restClient());
    } catch (err) {
      console.error(`doctor: no application default credentials (${describeError(err)}); run: gcloud auth application-default login`);
      return 1;
    }
  }
  const findings = await doctor(options);
  console.log(render(findings));
  return exitCode(findings);
}

if (require.main === module) {
  // Clients may keep channels open: exit explicitly. Anything unexpected is one line, never a trace.
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(`doctor: ${describeError(err)}`);
      process.exit(1);
    },
  );
}
