// What `npm run doctor` concludes from what it read: pure functions from facts to findings, each
// missing piece with the command that fixes it. No I/O here (scripts/doctor.ts gathers the facts).

export type Status = 'ok' | 'missing' | 'unchecked' | 'advice';

export interface Finding {
  status: Status;
  what: string;
  detail?: string;
  /** Commands that fix it, in order. */
  fix?: string[];
}

export interface Settings {
  projectId: string;
  hmacSecret: string;
  tokenSigningSecret: string;
  /** KEYWARD_AUDIT_SIGNING_SECRET: the key that signs audit checkpoints. */
  auditSigningSecret: string;
  auditLog: string;
  /** KEYWARD_AUDIT_VIEW, '' when the log stays in _Default. */
  auditView: string;
  /** KEYWARD_SERVICE_ACCOUNT expanded (`name@` → name@<project>.iam.gserviceaccount.com). */
  serviceAccount: string;
}

// ---- provider secrets -----------------------------------------------------------------------

export interface SecretFacts {
  id: string;
  kind: 'hmac' | 'token-signing';
  exists: boolean;
  /** Enabled version numbers, newest first. */
  enabled: string[];
  /** Why the newest enabled version's value is unusable (never the value), or undefined. */
  badValue?: string;
}

const CREATE_VALUE: Record<SecretFacts['kind'], string> = {
  hmac: 'head -c 32 /dev/urandom',
  'token-signing': `node -e 'process.stdout.write(JSON.stringify(require("node:crypto").generateKeyPairSync("ec",{namedCurve:"P-256"}).privateKey.export({format:"jwk"})))'`,
};

export function secretFindings(s: SecretFacts, projectId: string): Finding[] {
  const what = `secret ${s.id} (${s.kind === 'hmac' ? 'API-key HMAC keys' : 'access-token signing keys'})`;
  if (!s.exists) {
    return [{ status: 'missing', what, detail: 'does not exist', fix: [`${CREATE_VALUE[s.kind]} | gcloud secrets create ${s.id} --data-file=- --replication-policy=automatic --project=${projectId}`] }];
  }
  const add = `${CREATE_VALUE[s.kind]} | gcloud secrets versions add ${s.id} --data-file=- --project=${projectId}`;
  if (s.enabled.length === 0) return [{ status: 'missing', what, detail: 'has no enabled version', fix: [add] }];
  if (s.badValue) return [{ status: 'missing', what, detail: `version ${s.enabled[0]} is unusable: ${s.badValue}`, fix: [add] }];
  return [{ status: 'ok', what, detail: `enabled versions ${s.enabled.join(', ')}` }];
}

/** Why a provider secret's value is unusable, or undefined. Never includes the value. */
export function checkSecretValue(kind: SecretFacts['kind'], value: Buffer): string | undefined {
  if (kind === 'hmac') return value.length >= 32 ? undefined : `${value.length} bytes, want at least 32`;
  try {
    const jwk = JSON.parse(value.toString('utf8')) as Record<string, unknown>;
    if (jwk.kty === 'EC' && jwk.crv === 'P-256' && typeof jwk.d === 'string') return undefined;
  } catch {
    /* not JSON */
  }
  return 'not a P-256 private JWK';
}

// ---- audit log bucket and sink --------------------------------------------------------------

export interface AuditFacts {
  /** The bucket the view belongs to, undefined when it does not exist. */
  bucket?: { name: string; locked: boolean; retentionDays: number };
  /** Sinks in the project: destination and filter. */
  sinks: Array<{ name: string; destination: string; filter: string; disabled?: boolean }>;
}

const VIEW = /^projects\/([^/]+)\/locations\/([^/]+)\/buckets\/([^/]+)\/views\/([^/]+)$/;

/** The bucket a KEYWARD_AUDIT_VIEW names: `{location, bucket}`, or undefined for `projects/<id>`. */
export function bucketOfView(view: string): { location: string; bucket: string } | undefined {
  const m = VIEW.exec(view);
  return m ? { location: m[2]!, bucket: m[3]! } : undefined;
}

export function auditFindings(s: Settings, facts: AuditFacts): Finding[] {
  const p = s.projectId;
  const filter = `logName="projects/${p}/logs/${s.auditLog}"`;
  const target = bucketOfView(s.auditView);
  if (!target) {
    return [
      {
        status: 'advice',
        what: 'audit log bucket',
        detail: `${s.auditLog} stays in the _Default bucket (30-day retention, not locked); route it to a locked bucket (docs/audit.md)`,
        fix: [
          `gcloud logging buckets create ${s.auditLog} --project=${p} --location=global --retention-days=400`,
          `gcloud logging buckets update ${s.auditLog} --project=${p} --location=global --locked`,
          `gcloud logging sinks create ${s.auditLog} logging.googleapis.com/projects/${p}/locations/global/buckets/${s.auditLog} --project=${p} --log-filter='${filter}'`,
          `echo 'KEYWARD_AUDIT_VIEW=projects/${p}/locations/global/buckets/${s.auditLog}/views/_AllLogs' >> functions/.env.${p}`,
        ],
      },
    ];
  }
  const out: Finding[] = [];
  const bucketWhat = `log bucket ${target.bucket} (${target.location})`;
  if (!facts.bucket) {
    out.push({
      status: 'missing',
      what: bucketWhat,
      detail: 'does not exist, but KEYWARD_AUDIT_VIEW reads from it',
      fix: [
        `gcloud logging buckets create ${target.bucket} --project=${p} --location=${target.location} --retention-days=400`,
        `gcloud logging buckets update ${target.bucket} --project=${p} --location=${target.location} --locked`,
      ],
    });
  } else if (!facts.bucket.locked) {
    out.push({
      status: 'advice',
      what: bucketWhat,
      detail: `retention ${facts.bucket.retentionDays} days, not locked: entries can be deleted`,
      fix: [`gcloud logging buckets update ${target.bucket} --project=${p} --location=${target.location} --locked`],
    });
  } else {
    out.push({ status: 'ok', what: bucketWhat, detail: `locked, retention ${facts.bucket.retentionDays} days` });
  }
  const destination = `logging.googleapis.com/projects/${p}/locations/${target.location}/buckets/${target.bucket}`;
  const sink = facts.sinks.find((k) => !k.disabled && k.destination === destination && k.filter.includes(`logs/${s.auditLog}`));
  out.push(
    sink
      ? { status: 'ok', what: `log sink ${sink.name}`, detail: `routes ${s.auditLog} to ${target.bucket}` }
      : {
          status: 'missing',
          what: `log sink for ${s.auditLog}`,
          detail: `nothing routes ${s.auditLog} to ${target.bucket}`,
          fix: [
            `gcloud logging sinks create ${s.auditLog} ${destination} --project=${p} --log-filter='${filter}'`,
            `gcloud logging sinks update _Default --project=${p} --add-exclusion='name=${s.auditLog},filter=${filter}'`,
          ],
        },
  );
  return out;
}

// ---- Firestore indexes and TTL policies ------------------------------------------------------

export interface IndexSpec {
  collectionGroup: string;
  fields: Array<{ fieldPath: string; order?: string }>;
}

export interface FirestoreFacts {
  /** Composite indexes in the database, READY or not. */
  indexes: Array<IndexSpec & { state: string }>;
  /** TTL state per `collectionGroup/field` (ACTIVE, CREATING, NEEDS_REPAIR, or undefined when none). */
  ttl: Record<string, string | undefined>;
}

export function firestoreFindings(projectId: string, wanted: { indexes: IndexSpec[]; ttl: string[] }, facts: FirestoreFacts): Finding[] {
  const fix = [`npx firebase deploy --only firestore --project ${projectId}`];
  const key = (i: IndexSpec) => `${i.collectionGroup}(${i.fields.filter((f) => f.fieldPath !== '__name__').map((f) => `${f.fieldPath} ${f.order ?? ''}`.trim()).join(', ')})`;
  const out: Finding[] = [];
  for (const index of wanted.indexes) {
    const found = facts.indexes.find((i) => key(i) === key(index));
    const what = `Firestore index ${key(index)}`;
    if (!found) out.push({ status: 'missing', what, detail: 'not created', fix });
    else if (found.state !== 'READY') out.push({ status: 'missing', what, detail: `state ${found.state}: queries that need it fail until it is READY` });
    else out.push({ status: 'ok', what });
  }
  for (const field of wanted.ttl) {
    const state = facts.ttl[field];
    const what = `Firestore TTL policy on ${field}`;
    if (state === 'ACTIVE') out.push({ status: 'ok', what });
    else if (state === 'CREATING') out.push({ status: 'advice', what, detail: 'still being created' });
    else out.push({ status: 'missing', what, detail: state ? `state ${state}` : 'none: expired documents are never deleted', fix });
  }
  return out;
}

// ---- the runtime service account's roles ----------------------------------------------------

export interface Binding {
  role: string;
  members: string[];
  condition?: unknown;
}

/** Project roles the functions need, each with the broader roles that also cover it. */
const PROJECT_ROLES: Array<{ role: string; why: string; alsoBy: string[] }> = [
  { role: 'roles/datastore.user', why: 'Firestore reads and writes', alsoBy: ['roles/owner', 'roles/editor', 'roles/datastore.owner'] },
  { role: 'roles/firebaseauth.admin', why: 'session cookies and revocation', alsoBy: ['roles/owner', 'roles/editor', 'roles/firebase.admin'] },
  { role: 'roles/logging.logWriter', why: 'writing the audit trail', alsoBy: ['roles/owner', 'roles/editor', 'roles/logging.admin'] },
  { role: 'roles/cloudtasks.enqueuer', why: 'queuing webhook delivery attempts (the webhookDelivery task function)', alsoBy: ['roles/owner', 'roles/editor', 'roles/cloudtasks.admin'] },
];
/** Acting as itself: the delivery tasks it queues call the task function with its OIDC token. */
const ACT_AS = { role: 'roles/iam.serviceAccountUser', why: 'the webhook delivery tasks it queues run as itself', alsoBy: ['roles/owner', 'roles/editor'] };
const SECRET_ROLES: Array<{ role: string; why: string; alsoBy: string[] }> = [
  { role: 'roles/secretmanager.secretAccessor', why: 'reading provider secret versions', alsoBy: ['roles/owner', 'roles/secretmanager.admin'] },
  { role: 'roles/secretmanager.viewer', why: 'listing enabled versions (rotation)', alsoBy: ['roles/owner', 'roles/editor', 'roles/viewer', 'roles/secretmanager.admin'] },
];

export interface IamFacts {
  serviceAccount: string;
  project: Binding[];
  /** Secret id → its own IAM bindings. */
  secrets: Record<string, Binding[]>;
  /** The runtime account's own IAM policy; null when the account does not exist; why, when it could not be read. */
  account: Binding[] | null | { unreadable: string };
}

export function iamFindings(s: Settings, facts: IamFacts): Finding[] {
  const member = `serviceAccount:${facts.serviceAccount}`;
  const has = (bindings: Binding[], roles: string[]) => bindings.some((b) => roles.includes(b.role) && b.members.includes(member));
  const out: Finding[] = [];
  for (const r of PROJECT_ROLES) {
    const ok = has(facts.project, [r.role, ...r.alsoBy]);
    out.push(
      ok
        ? { status: 'ok', what: `${facts.serviceAccount}: ${r.role}`, detail: r.why }
        : { status: 'missing', what: `${facts.serviceAccount}: ${r.role}`, detail: r.why, fix: [`gcloud projects add-iam-policy-binding ${s.projectId} --member=${member} --role=${r.role}`] },
    );
  }
  const view = bucketOfView(s.auditView);
  const readRoles = view ? ['roles/logging.viewAccessor', 'roles/logging.viewer', 'roles/logging.admin', 'roles/owner', 'roles/editor', 'roles/viewer'] : ['roles/logging.viewer', 'roles/logging.admin', 'roles/owner', 'roles/editor', 'roles/viewer'];
  const readRole = view ? 'roles/logging.viewAccessor' : 'roles/logging.viewer';
  out.push(
    has(facts.project, readRoles)
      ? { status: 'ok', what: `${facts.serviceAccount}: ${readRole}`, detail: 'reading the audit trail' }
      : {
          status: 'missing',
          what: `${facts.serviceAccount}: ${readRole}`,
          detail: 'reading the audit trail (GET /v1/audit)',
          fix: [
            view
              ? `gcloud projects add-iam-policy-binding ${s.projectId} --member=${member} --role=roles/logging.viewAccessor --condition='title=keyward-audit-view,expression=resource.name == "${s.auditView}"'`
              : `gcloud projects add-iam-policy-binding ${s.projectId} --member=${member} --role=roles/logging.viewer`,
          ],
        },
  );
  for (const id of [s.hmacSecret, s.tokenSigningSecret, s.auditSigningSecret]) {
    for (const r of SECRET_ROLES) {
      const ok = has(facts.project, [r.role, ...r.alsoBy]) || has(facts.secrets[id] ?? [], [r.role, ...r.alsoBy]);
      const what = `${facts.serviceAccount}: ${r.role} on ${id}`;
      out.push(
        ok
          ? { status: 'ok', what, detail: r.why }
          : { status: 'missing', what, detail: r.why, fix: [`gcloud secrets add-iam-policy-binding ${id} --member=${member} --role=${r.role} --project=${s.projectId}`] },
      );
    }
  }
  out.push(actAsFinding(s, facts, has));
  if (has(facts.project, ['roles/editor', 'roles/owner'])) {
    out.push({ status: 'advice', what: `${facts.serviceAccount} has Editor or Owner`, detail: 'more than Keyward needs: grant the roles above to a dedicated account (docs/deploy.md)' });
  }
  return out;
}

/** roles/iam.serviceAccountUser for the account on itself: granted on the account, or on the whole project. */
function actAsFinding(s: Settings, facts: IamFacts, has: (bindings: Binding[], roles: string[]) => boolean): Finding {
  const sa = facts.serviceAccount;
  const what = `${sa}: ${ACT_AS.role} on itself`;
  const roles = [ACT_AS.role, ...ACT_AS.alsoBy];
  if (has(facts.project, roles)) return { status: 'ok', what, detail: `${ACT_AS.why} (granted on the project)` };
  const account = facts.account;
  if (account === null) {
    const name = sa.endsWith(`@${s.projectId}.iam.gserviceaccount.com`) ? sa.split('@')[0] : undefined;
    return {
      status: 'missing',
      what: `service account ${sa}`,
      detail: 'does not exist (KEYWARD_SERVICE_ACCOUNT); create it, then grant the roles above',
      fix: name ? [`gcloud iam service-accounts create ${name} --project=${s.projectId} --display-name="Keyward functions"`] : undefined,
    };
  }
  if (!Array.isArray(account)) return { status: 'unchecked', what, detail: `could not read the account's policy (${account.unreadable})` };
  if (has(account, roles)) return { status: 'ok', what, detail: ACT_AS.why };
  return {
    status: 'missing',
    what,
    detail: ACT_AS.why,
    fix: [`gcloud iam service-accounts add-iam-policy-binding ${sa} --project=${s.projectId} --member=serviceAccount:${sa} --role=${ACT_AS.role}`],
  };
}

// ---- the Google APIs the functions call ------------------------------------------------------

/** APIs the deployed functions call at run time (docs/deploy.md#3-the-apis-keyward-uses). */
export const RUNTIME_APIS: ReadonlyArray<{ api: string; why: string }> = [
  { api: 'firestore.googleapis.com', why: 'key records, nonces, limits' },
  { api: 'secretmanager.googleapis.com', why: 'the provider secrets' },
  { api: 'logging.googleapis.com', why: 'the audit trail' },
  { api: 'identitytoolkit.googleapis.com', why: 'Firebase Auth: ID tokens, session cookies' },
  { api: 'cloudtasks.googleapis.com', why: 'webhook deliveries (the webhookDelivery task queue)' },
];

/** Each runtime API's state (`ENABLED`, `DISABLED`, or undefined when Service Usage did not list it). */
export function apiFindings(projectId: string, states: Record<string, string | undefined>): Finding[] {
  return RUNTIME_APIS.map(({ api, why }) =>
    states[api] === 'ENABLED'
      ? { status: 'ok', what: `API ${api}`, detail: why }
      : { status: 'missing', what: `API ${api}`, detail: `${states[api] === 'DISABLED' ? 'disabled' : 'not enabled'}: ${why}`, fix: [`gcloud services enable ${api} --project=${projectId}`] },
  );
}

/** Service Usage's `services:batchGet` answer → state per API name (its names carry the project number). */
export function apiStates(answer: { services?: Array<{ name?: string; state?: string }> }): Record<string, string | undefined> {
  const states: Record<string, string | undefined> = {};
  for (const service of answer.services ?? []) {
    const api = String(service.name ?? '').split('/services/')[1];
    if (api) states[api] = service.state;
  }
  return states;
}

// ---- output -----------------------------------------------------------------------------------

const MARK: Record<Status, string> = { ok: 'ok     ', missing: 'MISSING', unchecked: 'UNCHECKED', advice: 'advice ' };

export function render(findings: Finding[]): string {
  const lines: string[] = [];
  for (const f of findings) {
    lines.push(`${MARK[f.status].padEnd(9)} ${f.what}${f.detail ? `: ${f.detail}` : ''}`);
    for (const command of f.fix ?? []) lines.push(`          fix: ${command}`);
  }
  const count = (s: Status) => findings.filter((f) => f.status === s).length;
  lines.push('', `${count('ok')} ok, ${count('missing')} missing, ${count('unchecked')} not checked, ${count('advice')} advice`);
  return lines.join('\n');
}

/** 0 when nothing is missing or unchecked, 1 otherwise. */
export function exitCode(findings: Finding[]): number {
  return findings.some((f) => f.status === 'missing' || f.status === 'unchecked') ? 1 : 0;
}
