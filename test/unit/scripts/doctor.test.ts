// What `npm run doctor` concludes from what it read (scripts/doctor/findings.ts): each missing piece
// with the command that fixes it, and nothing reported as fine that is not.
import { generateKeyPairSync } from 'node:crypto';
import { auditFindings, checkSecretValue, exitCode, firestoreFindings, iamFindings, secretFindings, type Settings } from '../../../scripts/doctor/findings';
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
  const all = ['roles/datastore.user', 'roles/firebaseauth.admin', 'roles/logging.logWriter', 'roles/logging.viewer', 'roles/secretmanager.secretAccessor', 'roles/secretmanager.viewer'];

  it('least privilege roles are enough', () => {
    const out = iamFindings(settings, { serviceAccount: SA, project: all.map((role) => ({ role, members: [member] })), secrets: {} });
    expect(out.every((f) => f.status === 'ok')).toBe(true);
  });

  it('Editor does not read secrets: secretAccessor is missing on each secret, with its fix, and Editor is flagged', () => {
    const out = iamFindings(settings, { serviceAccount: SA, project: [{ role: 'roles/editor', members: [member] }], secrets: { hmac: [{ role: 'roles/secretmanager.secretAccessor', members: [member] }] } });
    const missing = out.filter((f) => f.status === 'missing');
    expect(missing.map((f) => f.what)).toEqual([`${SA}: roles/secretmanager.secretAccessor on signing`, `${SA}: roles/secretmanager.secretAccessor on audit-signing`]);
    expect(missing[0]!.fix).toEqual([`gcloud secrets add-iam-policy-binding signing --member=${member} --role=roles/secretmanager.secretAccessor --project=acme`]);
    expect(out.some((f) => f.status === 'advice' && /Editor/.test(f.what))).toBe(true);
    expect(exitCode(out)).toBe(1);
  });

  it('another member holding a role does not count', () => {
    const out = iamFindings(settings, { serviceAccount: SA, project: all.map((role) => ({ role, members: ['user:ada@example.com'] })), secrets: {} });
    // Four project roles, and two roles on each of the three secrets.
    expect(out.filter((f) => f.status === 'missing')).toHaveLength(10);
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
