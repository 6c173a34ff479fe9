// Nonces claimed together share one Firestore commit, and replay protection stays exact. The app
// the function serves runs in this process against the stack's Firestore, so its commit counts
// can be read.
import { randomBytes } from 'node:crypto';
import { signRequest } from '../../../client/src';
import { adminDb } from '../../harness/admin';
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import { userWithKey, type CreatedKey } from '../../harness/keys';
import { firestoreNonceStore } from '../../../functions/src/store/nonces';

let app: InProcessApp;
let key: CreatedKey;

beforeAll(async () => {
  app = await startInProcessApp();
  key = (await userWithKey({ name: 'nonce batching' })).key;
});
afterAll(async () => {
  await app?.close();
  await app?.services.audit.close();
});

const signed = (nonce?: string) => signRequest({ keyId: key.id, signingSecret: key.signingSecret }, { method: 'GET', url: `${app.url}/v1/me` }, nonce ? { nonce } : {});
const get = async (headers: Record<string, string>) => {
  const res = await fetch(`${app.url}/v1/me`, { headers });
  const body = (await res.json()) as { error?: { code: string } };
  return { status: res.status, code: body.error?.code };
};
const fresh = () => randomBytes(16).toString('base64url');

describe('nonce claims that arrive together', () => {
  it('50 concurrent copies of one signed request: exactly one succeeds, the others are replays', async () => {
    const headers = signed();
    const results = await Promise.all(Array.from({ length: 50 }, () => get(headers)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 401 && r.code === 'replayed_request')).toHaveLength(49);
  });

  it('50 concurrent distinct signed requests all succeed, in fewer commits than requests, each nonce stored', async () => {
    const before = { ...app.services.nonces.stats };
    const nonces = Array.from({ length: 50 }, fresh);
    const results = await Promise.all(nonces.map((n) => get(signed(n))));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
    const after = app.services.nonces.stats;
    expect(after.writes - before.writes).toBe(50);
    expect(after.commits - before.commits).toBeLessThan(50);
    const docs = await adminDb().getAll(...nonces.map((n) => adminDb().collection('nonces').doc(`${key.id}:${n}`)));
    expect(docs.every((d) => d.exists)).toBe(true);
  });

  it('a batch holding a spent nonce falls back to single creates: only that claim is refused', async () => {
    const store = app.services.nonces;
    const spent = fresh();
    const expireAt = Date.now() + 600_000;
    expect(await store.claim(key.id, spent, expireAt)).toBe(true);
    const others = Array.from({ length: 5 }, fresh);
    const results = await Promise.all([store.claim(key.id, spent, expireAt), ...others.map((n) => store.claim(key.id, n, expireAt))]);
    expect(results).toEqual([false, true, true, true, true, true]);
  });

  it('across instances (two stores), 50 concurrent claims of one nonce: exactly one wins', async () => {
    const a = firestoreNonceStore(adminDb);
    const b = firestoreNonceStore(adminDb);
    const nonce = fresh();
    const expireAt = Date.now() + 600_000;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).claim(key.id, nonce, expireAt)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
