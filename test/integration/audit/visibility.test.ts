// Who may read what: a user reads the entries in which they are actor or target; auditors and
// admins read everyone's; another user's entries never leak, by REST or by the callable.
import { api, createUser, type TestUser } from '../../harness/auth';
import { createKey, jsonHeaders } from '../../harness/keys';
import { audit, auditUntil, bearer, callable, withRequestId, withRole, type AuditEntry } from './support';

const involves = (uid: string) => (e: AuditEntry) => e.actor.uid === uid || e.target.uid === uid;

let alice: TestUser;
let bob: TestUser;
let bobKey: { id: string; key: string };
let bobRequest: string;

beforeAll(async () => {
  [alice, bob] = await Promise.all([createUser(), createUser()]);
  await createKey(alice);
  bobKey = await createKey(bob, { name: 'bob', scopes: [] });
  bobRequest = (await api('/v1/me', { headers: { 'x-api-key': bobKey.key } })).headers.get('x-request-id')!;
  await api('/v1/me', { headers: bearer(alice.idToken) });
});

describe('a user', () => {
  it("sees their own entries and none of another user's", async () => {
    const mine = await auditUntil(bearer(alice.idToken), {}, (es) => es.some((e) => e.event === 'auth.success'));
    expect(mine.length).toBeGreaterThanOrEqual(2);
    expect(mine.every(involves(alice.uid))).toBe(true);
    const text = JSON.stringify(mine);
    expect(text).not.toContain(bob.uid);
    expect(text).not.toContain(bobKey.id);
  });

  it("gets 403 for another user's uid, and the same entries for their own", async () => {
    const other = await audit(bearer(alice.idToken), { uid: bob.uid });
    expect(other.status).toBe(403);
    expect(other.json.error.code).toBe('forbidden');
    const own = await audit(bearer(alice.idToken), { uid: alice.uid });
    expect(own.status).toBe(200);
    expect((own.json.entries as AuditEntry[]).every(involves(alice.uid))).toBe(true);
  });

  it("learns nothing from another user's key id or event filter", async () => {
    const byKey = await audit(bearer(alice.idToken), { keyId: bobKey.id });
    expect(byKey.status).toBe(200);
    expect(byKey.json.entries).toEqual([]);
    const failures = await audit(bearer(alice.idToken), { event: 'auth.failure' });
    expect((failures.json.entries as AuditEntry[]).every(involves(alice.uid))).toBe(true);
  });

  it('cannot read with no credential, or a bad one', async () => {
    expect((await audit({})).status).toBe(401);
    expect((await audit(bearer('not.a.token'))).status).toBe(401);
  });
});

describe('an auditor and an admin', () => {
  it("read everyone's entries, another user's with uid", async () => {
    const auditor = await withRole(await createUser(), { auditor: true });
    const entries = await auditUntil(bearer(auditor.idToken), { uid: bob.uid }, withRequestId(bobRequest));
    expect(entries.length).toBeGreaterThanOrEqual(2);
    expect(entries.every(involves(bob.uid))).toBe(true);
    expect(entries.map((e) => e.event)).toEqual(expect.arrayContaining(['key.create', 'auth.success']));

    const admin = await withRole(await createUser(), { admin: true });
    const res = await audit(bearer(admin.idToken), { uid: bob.uid, keyId: bobKey.id, event: 'key.create' });
    expect(res.json.entries).toEqual([expect.objectContaining({ event: 'key.create', target: { uid: bob.uid, keyId: bobKey.id } })]);
  });

  it('read others only with a key scoped to auditor: a key never grants more than its scopes', async () => {
    const auditor = await withRole(await createUser(), { auditor: true });
    const narrow = await createKey(auditor, { name: 'narrow', scopes: [] });
    const wide = await createKey(auditor, { name: 'wide', scopes: ['auditor'] });
    expect((await audit({ 'x-api-key': narrow.key }, { uid: bob.uid })).status).toBe(403);
    const res = await audit({ 'x-api-key': wide.key }, { uid: bob.uid, event: 'key.create' });
    expect(res.status).toBe(200);
    expect(res.json.entries).toHaveLength(1);
  });
});

describe('the queryAuditLog callable', () => {
  it('has the same rules: own entries, 403 for others, 400 for bad parameters', async () => {
    const own = await callable('queryAuditLog', alice.idToken, { event: 'key.create' });
    expect(own.status).toBe(200);
    expect(own.body.result).toEqual({
      entries: [expect.objectContaining({ event: 'key.create', actor: { uid: alice.uid, method: 'id_token' } })],
      nextPageToken: null,
      users: { [alice.uid]: alice.email },
    });

    const other = await callable('queryAuditLog', alice.idToken, { uid: bob.uid });
    expect(other.body.error).toMatchObject({ status: 'PERMISSION_DENIED', details: { code: 'forbidden' } });
    const bad = await callable('queryAuditLog', alice.idToken, { event: 'key.create" OR "1' });
    expect(bad.body.error).toMatchObject({ status: 'INVALID_ARGUMENT', details: { code: 'invalid_request' } });
    const unknown = await callable('queryAuditLog', alice.idToken, { everyone: true });
    expect(unknown.body.error).toMatchObject({ status: 'INVALID_ARGUMENT' });
  });

  it("lets an auditor read another user's entries", async () => {
    const auditor = await withRole(await createUser(), { auditor: true });
    const res = await callable('queryAuditLog', auditor.idToken, { uid: bob.uid, event: 'key.create', pageSize: 10 });
    expect(res.body.result.entries).toEqual([expect.objectContaining({ target: { uid: bob.uid, keyId: bobKey.id } })]);
  });

  it('refuses a caller without an ID token', async () => {
    const anonymous = await callable('queryAuditLog', '', {});
    expect(anonymous.body.error).toMatchObject({ status: 'UNAUTHENTICATED' });
  });
});

describe('POST to /v1/audit', () => {
  it('is a 405 with Allow', async () => {
    const res = await api('/v1/audit', { method: 'POST', headers: jsonHeaders(alice.idToken), body: '{}' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
  });
});
