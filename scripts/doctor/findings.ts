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
];
const SECRET_ROLES: Array<{ role: string; why: string; alsoBy: string[] }> = [
  { role: 'roles/secretmanager.secretAccessor', why: 'reading provider secret versions', alsoBy: ['roles/owner', 'roles/secretmanager.admin'] },
  { role: 'roles/secretmanager.viewer', why: 'listing enabled versions (rotation)', alsoBy: ['roles/owner', 'roles/editor', 'roles/viewer', 'roles/secretmanager.admin'] },
];

export interface IamFacts {
  serviceAccount: string;
  project: Binding[];
  /** Secret id → its own IAM bindings. */
  secrets: Record<string, Binding[]>;
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
  if (has(facts.project, ['roles/editor', 'roles/owner'])) {
    out.push({ status: 'advice', what: `${facts.serviceAccount} has Editor or Owner`, detail: 'more than Keyward needs: grant the roles above to a dedicated account (docs/deploy.md)' });
  }
  return out;
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
