// The memory of API key secrets that matched a cached record: a hit must mean exactly what the
// HMAC would say (same secret, same record, same enabled key material) and never outlive the
// stored secret's grace period.
import { matchedSecrets } from '../../../functions/src/credentials/matched-secrets';
import type { KeyRecord, StoredSecret } from '../../../functions/src/keys/record';
import type { SecretVersion, VersionSet } from '../../../functions/src/secrets/provider';

const T = Date.UTC(2026, 0, 1);

function versionSet(...versions: SecretVersion[]): VersionSet {
  return { current: versions[0]!, enabled: versions, get: (v) => versions.find((x) => x.version === v) };
}

const v1: SecretVersion = { version: '1', material: Buffer.alloc(32, 1) };
const v2: SecretVersion = { version: '2', material: Buffer.alloc(32, 2) };
const stored = (version: string, notAfter: number | null = null): StoredSecret => ({ digest: 'd', version, salt: 's', notAfter });
const record = (secrets: StoredSecret[]): KeyRecord =>
  ({ keyId: 'K', ownerUid: 'u', name: 'k', type: 'server', scopes: null, allowedOrigins: [], allowedIps: [], createdAt: T, expiresAt: T + 1e10, revokedAt: null, regeneratedAt: null, lastUsedAt: null, secrets }) as KeyRecord;

describe('matched secrets', () => {
  const SECRET = 'A'.repeat(38);

  it('answers only for the same secret under the same record', () => {
    const m = matchedSecrets();
    const s = stored('1');
    const r = record([s]);
    const versions = versionSet(v1);
    expect(m.get(r, SECRET, versions, T)).toBeUndefined();
    m.set(r, SECRET, versions, s);
    expect(m.get(r, SECRET, versions, T)).toBe(s);
    expect(m.get(r, 'A'.repeat(37) + 'B', versions, T)).toBeUndefined();
    expect(m.get(r, 'A'.repeat(37), versions, T)).toBeUndefined();
    // The record read again (revoked, regenerated, or just refreshed) starts empty.
    expect(m.get(record([s]), SECRET, versions, T)).toBeUndefined();
  });

  it('forgets a match once its version is disabled or its material changed', () => {
    const m = matchedSecrets();
    const s = stored('1');
    const r = record([s]);
    m.set(r, SECRET, versionSet(v2, v1), s);
    expect(m.get(r, SECRET, versionSet(v2, v1), T)).toBe(s);
    expect(m.get(r, SECRET, versionSet(v2), T)).toBeUndefined();
    expect(m.get(r, SECRET, versionSet({ version: '1', material: Buffer.alloc(32, 1) }), T)).toBeUndefined();
  });

  it('never serves a secret past its grace period, and keeps one match per stored secret', () => {
    const m = matchedSecrets();
    const old = stored('1', T + 1000);
    const current = stored('1');
    const r = record([current, old]);
    const versions = versionSet(v1);
    m.set(r, 'O'.repeat(38), versions, old);
    m.set(r, SECRET, versions, current);
    m.set(r, SECRET, versions, current);
    expect(m.get(r, 'O'.repeat(38), versions, T + 999)).toBe(old);
    expect(m.get(r, 'O'.repeat(38), versions, T + 1000)).toBeUndefined();
    expect(m.get(r, SECRET, versions, T + 1000)).toBe(current);
  });
});
