// What `npm run doctor` concludes from what it read (scripts/doctor/findings.ts): each missing piece
// with the command that fixes it, and nothing reported as fine that is not.
import { generateKeyPairSync } from 'node:crypto';
import { apiFindings, apiStates, auditFindings, checkSecretValue, exitCode, firestoreFindings, iamFindings, render, RUNTIME_APIS, secretFindings, type Settings } from '../../../scripts/doctor/findings';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeError, loadSettings, parseOptions, wantedFirestore } from '../../../scripts/doctor';

const settings: Settings = { projectId: 'acme', hmacSecret: 'hmac', tokenSigningSecret: 'signing', auditSigningSecret: 'audit-signing', auditLog: 'keyward-audit', auditView: '', serviceAccount: 'keyward-runtime@acme.iam.gserviceaccount.com' };
const VIEW = 'projects/acme/locations/global/buckets/audit/views/_AllLogs';
const SA = '123-compute@developer.gserviceaccount.com';
const member = `serviceAccount:${SA}`;

describe('doctor: provider secrets', () => {
  it('a missing secret, one without enabled versions, and one with an unusable value are missing, each with its fix', () => {
    expect(secretFindings({ id: 'hmac', kind: 'hmac', exists: false, enabled: [] }, 'acme')[0]).toMatchObject({ status: 'missing', fix: [expect.stringContaining('gcloud secrets create hmac')] });
    expect(secretFindings({ id: 'hmac', kind: 'hmac', exists: true, enabled: [] }, 'acme')[0]).toMatchObject({ status: 'missing', fix: [expect.stringContaining('gcloud secrets versions add hmac')] });
    expect(secretFindings({ id: 's', kind: 'token-signing', exists: true, enabled: ['2'], badValue: 'x' }, 'acme')[0]!.status).toBe('missing');
    expect(secretFindings({ id: 's', kind: 'token-signing', exists: true, enabled: ['3', '1'] }, 'acme')[0]).toMatchObject({ status: 'ok', detail: 'enabled versions 3, 1' });
  });

  it('checks the form of a value without ever echoing it', () => {
    expect(checkSecretValue('hmac', Buffer.alloc(32, 7))).toBeUndefined();
    expect(checkSecretValue('hmac', Buffer.from('short-secret-value'))).toBe('18 bytes, want at least 32');
    const jwk = JSON.stringify(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }));
    expect(checkSecretValue('token-signing', Buffer.from(jwk))).toBeUndefined();
    const publicOnly = JSON.stringify({ ...JSON.parse(jwk), d: undefined });
    expect(checkSecretValue('token-signing', Buffer.from(publicOnly))).toBe('not a P-256 private JWK');
    expect(checkSecretValue('token-signing', Buffer.from('hunter2'))).not.toContain('hunter2');
  });
});

describe('doctor: audit bucket and sink', () => {
  const withView = { ...settings, auditView: VIEW };
  const sink = { name: 'keyward-audit', destination: 'logging.googleapis.com/projects/acme/locations/global/buckets/audit', filter: 'logName="projects/acme/logs/keyward-audit"' };

  it('a locked bucket and a sink routing the log are fine', () => {
    const out = auditFindings(withView, { bucket: { name: 'b', locked: true, retentionDays: 400 }, sinks: [sink] });
    expect(out.map((f) => f.status)).toEqual(['ok', 'ok']);
  });

  it('a missing bucket or sink is missing; an unlocked bucket is advice', () => {
    expect(auditFindings(withView, { sinks: [] }).map((f) => f.status)).toEqual(['missing', 'missing']);
    expect(auditFindings(withView, { bucket: { name: 'b', locked: false, retentionDays: 30 }, sinks: [{ ...sink, disabled: true }] }).map((f) => f.status)).toEqual(['advice', 'missing']);
    expect(auditFindings(withView, { sinks: [] })[1]!.fix![0]).toContain('gcloud logging sinks create keyward-audit logging.googleapis.com/projects/acme/locations/global/buckets/audit');
  });
});

describe('doctor: Firestore', () => {
  const wanted = { indexes: [{ collectionGroup: 'apiKeys', fields: [{ fieldPath: 'ownerUid', order: 'ASCENDING' }, { fieldPath: 'createdAt', order: 'DESCENDING' }] }], ttl: ['nonces/expireAt'] };

  it('a READY index and an ACTIVE TTL policy are fine; anything else says so', () => {
    const ready = { ...wanted.indexes[0]!, fields: [...wanted.indexes[0]!.fields, { fieldPath: '__name__', order: 'DESCENDING' }], state: 'READY' };
    expect(firestoreFindings('acme', wanted, { indexes: [ready], ttl: { 'nonces/expireAt': 'ACTIVE' } }).map((f) => f.status)).toEqual(['ok', 'ok']);
    const out = firestoreFindings('acme', wanted, { indexes: [{ ...ready, state: 'CREATING' }], ttl: {} });
    expect(out.map((f) => f.status)).toEqual(['missing', 'missing']);
    expect(out[1]!.fix).toEqual(['npx firebase deploy --only firestore --project acme']);
  });
});

describe('doctor: runtime service account', () => {
  const all = ['roles/datastore.user', 'roles/firebaseauth.admin', 'roles/logging.logWriter', 'roles/logging.viewer', 'roles/cloudtasks.enqueuer', 'roles/secretmanager.secretAccessor', 'roles/secretmanager.viewer'];
  const project = (roles: string[]) => roles.map((role) => ({ role, members: [member] }));
  const actAsItself = [{ role: 'roles/iam.serviceAccountUser', members: [member] }];

  it('least privilege roles are enough', () => {
    const out = iamFindings(settings, { serviceAccount: SA, project: project(all), secrets: {}, account: actAsItself });
    expect(out.every((f) => f.status === 'ok')).toBe(true);
    expect(out.map((f) => f.what)).toEqual(expect.arrayContaining([`${SA}: roles/cloudtasks.enqueuer`, `${SA}: roles/iam.serviceAccountUser on itself`]));
  });

  it('without roles/cloudtasks.enqueuer, names it with the command that grants it', () => {
    const out = iamFindings(settings, { serviceAccount: SA, project: project(all.filter((r) => r !== 'roles/cloudtasks.enqueuer')), secrets: {}, account: actAsItself });
    expect(out.filter((f) => f.status === 'missing')).toEqual([
      {
        status: 'missing',
        what: `${SA}: roles/cloudtasks.enqueuer`,
        detail: 'queuing webhook delivery attempts (the webhookDelivery task function)',
        fix: [`gcloud projects add-iam-policy-binding acme --member=${member} --role=roles/cloudtasks.enqueuer`],
      },
    ]);
    expect(render(out)).toContain(`          fix: gcloud projects add-iam-policy-binding acme --member=${member} --role=roles/cloudtasks.enqueuer`);
    expect(exitCode(out)).toBe(1);
    // roles/cloudtasks.admin covers it.
    expect(iamFindings(settings, { serviceAccount: SA, project: project([...all.filter((r) => r !== 'roles/cloudtasks.enqueuer'), 'roles/cloudtasks.admin']), secrets: {}, account: actAsItself }).every((f) => f.status === 'ok')).toBe(true);
  });

  it('without roles/iam.serviceAccountUser on itself, names it with the command that grants it; on the project it counts too', () => {
    const actAs = (account: Parameters<typeof iamFindings>[1]['account'], extra: string[] = []) =>
      iamFindings(settings, { serviceAccount: SA, project: project([...all, ...extra]), secrets: {}, account }).filter((f) => f.what.includes('serviceAccountUser') || f.what.startsWith('service account'));
    const missing = {
      status: 'missing',
      what: `${SA}: roles/iam.serviceAccountUser on itself`,
      detail: 'the webhook delivery tasks it queues run as itself',
      fix: [`gcloud iam service-accounts add-iam-policy-binding ${SA} --project=acme --member=${member} --role=roles/iam.serviceAccountUser`],
    };
    expect(actAs([])).toEqual([missing]);
    // Someone else acting as the account (the deployer) is not the account acting as itself.
    expect(actAs([{ role: 'roles/iam.serviceAccountUser', members: ['user:ada@example.com'] }])).toEqual([missing]);
    expect(actAs(actAsItself)).toEqual([{ status: 'ok', what: missing.what, detail: missing.detail }]);
    expect(actAs([], ['roles/iam.serviceAccountUser'])).toEqual([{ status: 'ok', what: missing.what, detail: `${missing.detail} (granted on the project)` }]);
    // The account's policy could not be read: not checked, and said so in one line.
    expect(actAs({ unreadable: 'HTTP 403: Permission denied' })).toEqual([{ status: 'unchecked', what: missing.what, detail: "could not read the account's policy (HTTP 403: Permission denied)" }]);
  });

  it('a runtime account that does not exist is missing, with the command that creates it when it belongs to the project', () => {
    const own = 'keyward-runtime@acme.iam.gserviceaccount.com';
    const out = iamFindings(settings, { serviceAccount: own, project: [], secrets: {}, account: null });
    expect(out.find((f) => f.what === `service account ${own}`)).toEqual({
      status: 'missing',
      what: `service account ${own}`,
      detail: 'does not exist (KEYWARD_SERVICE_ACCOUNT); create it, then grant the roles above',
      fix: ['gcloud iam service-accounts create keyward-runtime --project=acme --display-name="Keyward functions"'],
    });
    expect(iamFindings(settings, { serviceAccount: SA, project: [], secrets: {}, account: null }).find((f) => f.what === `service account ${SA}`)!.fix).toBeUndefined();
  });

  it('Editor does not read secrets: secretAccessor is missing on each secret, with its fix, and Editor is flagged', () => {
    const out = iamFindings(settings, { serviceAccount: SA, project: [{ role: 'roles/editor', members: [member] }], secrets: { hmac: [{ role: 'roles/secretmanager.secretAccessor', members: [member] }] }, account: [] });
    const missing = out.filter((f) => f.status === 'missing');
    expect(missing.map((f) => f.what)).toEqual([`${SA}: roles/secretmanager.secretAccessor on signing`, `${SA}: roles/secretmanager.secretAccessor on audit-signing`]);
    expect(missing[0]!.fix).toEqual([`gcloud secrets add-iam-policy-binding signing --member=${member} --role=roles/secretmanager.secretAccessor --project=acme`]);
    expect(out.some((f) => f.status === 'advice' && /Editor/.test(f.what))).toBe(true);
    expect(exitCode(out)).toBe(1);
  });

  it('another member holding a role does not count', () => {
    const out = iamFindings(settings, { serviceAccount: SA, project: all.map((role) => ({ role, members: ['user:ada@example.com'] })), secrets: {}, account: [{ role: 'roles/iam.serviceAccountUser', members: ['user:ada@example.com'] }] });
    // Five project roles, two roles on each of the three secrets, and acting as itself.
    expect(out.filter((f) => f.status === 'missing')).toHaveLength(12);
  });
});

describe('doctor: the APIs the functions call', () => {
  // Service Usage's services:batchGet answer, as documented: names carry the project number.
  const answer = (cloudTasks: string) => ({
    services: RUNTIME_APIS.map(({ api }) => ({ name: `projects/123456/services/${api}`, parent: 'projects/123456', config: { name: api }, state: api === 'cloudtasks.googleapis.com' ? cloudTasks : 'ENABLED' })),
  });

  it('every runtime API enabled, Cloud Tasks included, passes', () => {
    const out = apiFindings('acme', apiStates(answer('ENABLED')));
    expect(out.map((f) => [f.status, f.what])).toEqual(RUNTIME_APIS.map(({ api }) => ['ok', `API ${api}`]));
    expect(out.map((f) => f.what)).toContain('API cloudtasks.googleapis.com');
    expect(exitCode(out)).toBe(0);
  });

  it('Cloud Tasks disabled (or not listed) is missing, with the command that enables it', () => {
    const fix = ['gcloud services enable cloudtasks.googleapis.com --project=acme'];
    expect(apiFindings('acme', apiStates(answer('DISABLED'))).filter((f) => f.status !== 'ok')).toEqual([
      { status: 'missing', what: 'API cloudtasks.googleapis.com', detail: 'disabled: webhook deliveries (the webhookDelivery task queue)', fix },
    ]);
    const unlisted = apiFindings('acme', apiStates({ services: answer('ENABLED').services.filter((x) => !x.name.endsWith('/cloudtasks.googleapis.com')) }));
    expect(unlisted.filter((f) => f.status !== 'ok')).toEqual([{ status: 'missing', what: 'API cloudtasks.googleapis.com', detail: 'not enabled: webhook deliveries (the webhookDelivery task queue)', fix }]);
    expect(apiFindings('acme', apiStates({})).map((f) => f.status)).toEqual(RUNTIME_APIS.map(() => 'missing'));
  });
});

describe('doctor: command line and errors', () => {
  it('a demo- project uses the local emulators; a real one, Google', () => {
    expect(parseOptions(['--project', 'demo-keyward'], { SECRET_MANAGER_EMULATOR_HOST: '127.0.0.1:1' }).emulators).toEqual({ secretManager: '127.0.0.1:1', logging: '127.0.0.1:8086', firestore: '127.0.0.1:8080' });
    expect(parseOptions(['--project', 'acme-prod'], { SECRET_MANAGER_EMULATOR_HOST: '127.0.0.1:1' }).emulators).toBeUndefined();
  });

  it("reads the settings a deploy would use (functions/.env's defaults)", () => {
    expect(loadSettings('acme-prod')).toEqual({
      projectId: 'acme-prod',
      hmacSecret: 'keyward-api-key-hmac',
      tokenSigningSecret: 'keyward-token-signing',
      auditSigningSecret: 'keyward-audit-signing',
      auditLog: 'keyward-audit',
      auditView: '',
      serviceAccount: 'keyward-runtime@acme-prod.iam.gserviceaccount.com',
    });
  });

  it("checks a function-kit instance's own names, with the settings of its config folder (docs/kit.md)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'doctor-kit-'));
    writeFileSync(join(dir, '.env'), 'KEYWARD_SERVICE_ACCOUNT=partner@\n');
    const o = parseOptions(['--project', 'acme-prod', '--instance', 'partner-keys', '--config-dir', dir], {});
    expect({ instance: o.instance, configDir: o.configDir }).toEqual({ instance: 'partner-keys', configDir: dir });
    expect(loadSettings('acme-prod', dir, o.instance)).toEqual({
      projectId: 'acme-prod',
      hmacSecret: 'kit-partner-keys-keyward-api-key-hmac',
      tokenSigningSecret: 'kit-partner-keys-keyward-token-signing',
      auditSigningSecret: 'kit-partner-keys-keyward-audit-signing',
      auditLog: 'kit-partner-keys-keyward-audit',
      auditView: '',
      serviceAccount: 'partner@acme-prod.iam.gserviceaccount.com',
    });
    const wanted = wantedFirestore('partner-keys');
    expect(wanted.indexes.map((i) => i.collectionGroup)).toEqual(['kit-partner-keys-apiKeys', 'kit-partner-keys-usage', 'kit-partner-keys-usage', 'kit-partner-keys-webhookDeliveries']);
    expect(wanted.ttl).toContain('kit-partner-keys-nonces/expireAt');
    expect(() => parseOptions(['--project', 'acme-prod', '--instance', 'partner-keys'], {})).toThrow(/--config-dir/);
  });

  it('describes a failed call in one line', () => {
    expect(describeError({ code: 14, details: 'No connection established\n  at x (y.js:1:2)' })).toBe('UNAVAILABLE: No connection established');
    expect(describeError({ status: 403, message: 'The caller does not have permission' })).toBe('HTTP 403: The caller does not have permission');
  });
});
