// Function-kit instances keep their data apart (docs/kit.md): every collection, log and secret an
// instance uses is named through config.ts, and outside a kit (or for the instance `keyward`)
// the names are today's, so an existing deployment keeps its data.
import { collectionName, instanceName, loadConfig } from '../../../functions/src/config';
import { buildAuditFilter } from '../../../functions/src/audit/filter';
import { accessLine, parseAccessLine } from '../../../functions/src/audit/access-line';
import { instanceCollections } from '../../../functions/src/store/instance-collections';
import type { Firestore } from 'firebase-admin/firestore';

const names = (env: Record<string, string>) => {
  const c = loadConfig({ GOOGLE_CLOUD_PROJECT: 'p', ...env });
  return {
    instance: c.instance,
    secrets: c.secrets,
    auditLogName: c.auditLogName,
    issuer: c.tokens.issuer,
    audience: c.tokens.audience,
    apiKeys: collectionName(c, 'apiKeys'),
    mail: collectionName(c, 'mail'),
  };
};

const TODAY = {
  instance: undefined,
  secrets: { hmacSecretId: 'keyward-api-key-hmac', tokenSigningSecretId: 'keyward-token-signing', auditSigningSecretId: 'keyward-audit-signing' },
  auditLogName: 'keyward-audit',
  issuer: 'https://keyward.p',
  audience: 'p-api',
  apiKeys: 'apiKeys',
  mail: 'mail',
};

describe('names of an instance', () => {
  it("outside a kit, and for the instance 'keyward', are today's names", () => {
    expect(names({})).toEqual(TODAY);
    expect(names({ FIREBASE_KIT_INSTANCE_ID: '' })).toEqual(TODAY);
    expect(names({ FIREBASE_KIT_INSTANCE_ID: 'keyward' })).toEqual(TODAY);
  });

  it('of another instance carry its kit prefix: collections, logs, secrets, token issuer and audience; the shared mail collection stays', () => {
    expect(names({ FIREBASE_KIT_INSTANCE_ID: 'partner-keys' })).toEqual({
      instance: 'partner-keys',
      secrets: {
        hmacSecretId: 'kit-partner-keys-keyward-api-key-hmac',
        tokenSigningSecretId: 'kit-partner-keys-keyward-token-signing',
        auditSigningSecretId: 'kit-partner-keys-keyward-audit-signing',
      },
      auditLogName: 'kit-partner-keys-keyward-audit',
      issuer: 'https://keyward.p/partner-keys',
      audience: 'p-partner-keys-api',
      apiKeys: 'kit-partner-keys-apiKeys',
      mail: 'mail',
    });
    // Settings name the base; the instance's prefix still applies, so copied .env files never share.
    expect(names({ FIREBASE_KIT_INSTANCE_ID: 'keys', KEYWARD_HMAC_SECRET: 'hmac', KEYWARD_AUDIT_LOG: 'trail' })).toMatchObject({
      secrets: { hmacSecretId: 'kit-keys-hmac' },
      auditLogName: 'kit-keys-trail',
    });
    expect(instanceName(undefined, 'nonces')).toBe('nonces');
  });

  it('refuses an instance id firebase-tools would not make, naming the variable', () => {
    for (const bad of ['Keys', '-keys', 'keys-', 'a/b', 'x'.repeat(41)]) {
      expect(() => loadConfig({ FIREBASE_KIT_INSTANCE_ID: bad })).toThrow(/FIREBASE_KIT_INSTANCE_ID/);
    }
  });
});

describe("an instance's Firestore", () => {
  it('renames the top-level collection of every collection and document path, and nothing else', () => {
    const seen: string[] = [];
    const fake = {
      collection: (p: string) => (seen.push(`collection ${p}`), p),
      doc: (p: string) => (seen.push(`doc ${p}`), p),
      batch() {
        return this === fake ? 'bound' : 'unbound';
      },
    } as unknown as Firestore;
    const db = instanceCollections(fake, (c) => (c === 'mail' ? c : `kit-keys-${c}`));
    db.collection('apiKeys');
    db.collection('apiKeys/k1/revisions');
    db.doc('nonces/n1');
    db.collection('mail');
    expect(seen).toEqual(['collection kit-keys-apiKeys', 'collection kit-keys-apiKeys/k1/revisions', 'doc kit-keys-nonces/n1', 'collection mail']);
    expect(db.batch()).toBe('bound');
  });
});

describe("an instance's access lines", () => {
  const entry = { timestamp: new Date(0), severity: 'INFO', insertId: 'i', labels: { event: 'auth.success' }, payload: { event: 'auth.success' } } as never;

  it('are marked with the instance, and its audit filter selects only its own', () => {
    expect(parseAccessLine(accessLine(entry))!.labels.keyward_audit).toBe('true');
    expect(parseAccessLine(accessLine(entry, 'keys'))!.labels.keyward_audit).toBe('keys');
    const filter = (instance?: string) => buildAuditFilter({ projectId: 'p', logName: 'l', instance, query: { pageSize: 50 } });
    expect(filter()).toContain('labels.keyward_audit = "true"');
    expect(filter('keys')).toContain('labels.keyward_audit = "keys"');
    expect(filter('keys')).not.toContain('"true"');
  });
});
