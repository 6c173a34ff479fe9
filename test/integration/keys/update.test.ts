// PATCH /v1/keys/{id} and the updateApiKey callable: allow-listed fields, never widening, audited.
import { api, createUser, type TestUser } from '../../harness/auth';
import { withRole } from '../audit/support';
import { bearer, createKey, jsonHeaders } from '../../harness/keys';
import { eventually } from '../../harness/eventually';

const patch = (user: TestUser, id: string, body: unknown, headers: Record<string, string> = jsonHeaders(user.idToken)) =>
  api(`/v1/keys/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const read = async (user: TestUser, id: string) => (await api(`/v1/keys/${id}`, { headers: bearer(user.idToken) })).json;

describe('editing a key', () => {
  jest.setTimeout(60_000);

  it('renames, narrows scopes, shortens expiry and sets metadata; the key view shows it', async () => {
    const user = await withRole(await createUser(), { permissions: ['read', 'write'] });
    const key = await createKey(user, { name: 'before', scopes: ['read', 'write'], allowedIps: ['127.0.0.0/8'] });
    const expiresAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const res = await patch(user, key.id, { name: 'after', scopes: ['read'], expiresAt, allowedIps: ['127.0.0.1'], metadata: { team: 'billing' } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: key.id, name: 'after', scopes: ['read'], expiresAt, allowedIps: ['127.0.0.1'], metadata: { team: 'billing' }, status: 'active' });
    expect(res.text).not.toContain(key.key);
    expect(await read(user, key.id)).toMatchObject({ name: 'after', scopes: ['read'], metadata: { team: 'billing' } });
    // The narrowed key acts with the narrowed scopes.
    const me = await eventually(async () => (await api('/v1/me', { headers: { 'x-api-key': key.key } })).json?.auth?.scopes?.join() === 'read', Boolean, { timeoutMs: 5000 });
    expect(me).toBe(true);
  });

  it('refuses to widen, to touch unknown fields, and changes nothing then', async () => {
    const user = await withRole(await createUser(), { permissions: ['read', 'write'] });
    const key = await createKey(user, { name: 'narrow', scopes: ['read'], allowedIps: ['10.0.0.0/8'] });
    const before = await read(user, key.id);
    for (const [body, status] of [
      [{ scopes: ['read', 'write'] }, 403],
      [{ allowedIps: [] }, 403],
      [{ expiresAt: new Date(Date.now() + 300 * 86_400_000).toISOString() }, 403],
      [{ name: 'x', ownerUid: 'someone-else' }, 400],
      [{ status: 'active' }, 400],
      [{ metadata: { big: 'x'.repeat(2000) } }, 400],
      [{}, 400],
    ] as const) {
      const res = await patch(user, key.id, body);
      expect([res.status, res.json.error.code]).toEqual([status, status === 403 ? 'forbidden' : 'invalid_request']);
    }
    expect(await read(user, key.id)).toEqual(before);
  });

  it("parses expiresAt with create's rules: a date that exists, a time with a zone; create and PATCH refuse the same", async () => {
    // Dates within the longest lifetime, where Date.parse would accept them: the 31st of a 30-day
    // month (rolled over to the 1st) and a time without a zone (read in the server's zone).
    const day = new Date(Date.now() + 60 * 86_400_000);
    while (![3, 5, 8, 10].includes(day.getUTCMonth())) day.setUTCMonth(day.getUTCMonth() + 1, 1);
    const missing = `${day.toISOString().slice(0, 8)}31`;
    const zoneless = `${new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10)}T12:00:00`;
    const user = await createUser();
    const key = await createKey(user, { name: 'dates', expiresAt: new Date(Date.now() + 360 * 86_400_000).toISOString() });
    const before = await read(user, key.id);
    for (const expiresAt of [missing, zoneless]) {
      const patched = await patch(user, key.id, { expiresAt });
      expect([patched.status, patched.json.error.code, patched.json.error.message]).toEqual([400, 'invalid_request', expect.stringMatching(/^expiresAt must be an ISO 8601 date that exists/)]);
      const created = await api('/v1/keys', { method: 'POST', headers: jsonHeaders(user.idToken), body: JSON.stringify({ name: 'x', expiresAt }) });
      expect([created.status, created.json.error.code]).toEqual([400, 'invalid_request']);
    }
    expect(await read(user, key.id)).toEqual(before);
    expect((await api('/v1/keys', { headers: bearer(user.idToken) })).json.keys.map((k: { id: string }) => k.id)).toEqual([key.id]);
    // The same dates written correctly are accepted.
    const fine = await patch(user, key.id, { expiresAt: `${zoneless}Z` });
    expect([fine.status, fine.json.expiresAt]).toEqual([200, `${zoneless}.000Z`]);
  });

  it('refuses metadata Firestore cannot store (too deep, an empty or reserved key, a list in a list) with 400 on create and PATCH, writing nothing', async () => {
    const nested = (levels: number): Record<string, unknown> => (levels === 1 ? { a: 1 } : { a: nested(levels - 1) });
    const user = await createUser();
    const key = await createKey(user, { name: 'meta', metadata: { team: 'billing', deep: nested(4) } });
    const before = await read(user, key.id);
    for (const [metadata, message] of [
      [nested(25), /^metadata may nest objects and lists at most 5 levels deep/], // beyond Firestore's 20
      [nested(6), /^metadata may nest objects and lists at most 5 levels deep/],
      [{ '': 1 }, /^metadata keys must not be empty/],
      [{ team: { '': 1 } }, /^metadata keys must not be empty/],
      [{ __name__: 'x' }, /reserved by Firestore/],
      [{ list: [[1, 2]] }, /^metadata may not hold a list directly inside a list/],
    ] as const) {
      const patched = await patch(user, key.id, { metadata });
      expect([patched.status, patched.json.error.code, patched.json.error.message]).toEqual([400, 'invalid_request', expect.stringMatching(message)]);
      const created = await api('/v1/keys', { method: 'POST', headers: jsonHeaders(user.idToken), body: JSON.stringify({ name: 'x', metadata }) });
      expect([created.status, created.json.error.code, created.json.error.message]).toEqual([400, 'invalid_request', expect.stringMatching(message)]);
    }
    expect(await read(user, key.id)).toEqual(before);
    expect((await api('/v1/keys', { headers: bearer(user.idToken) })).json.keys.map((k: { id: string }) => k.id)).toEqual([key.id]);
  });

  it('is for interactive credentials and the owner only', async () => {
    const owner = await createUser();
    const stranger = await createUser();
    const key = await createKey(owner);
    expect((await patch(stranger, key.id, { name: 'mine' })).status).toBe(404);
    const asKey = await patch(owner, key.id, { disabled: false }, { authorization: `ApiKey ${key.key}` });
    expect([asKey.status, asKey.json.error.code]).toEqual([403, 'interactive_credential_required']);
    const revoked = await createKey(owner);
    await api(`/v1/keys/${revoked.id}`, { method: 'DELETE', headers: bearer(owner.idToken) });
    expect((await patch(owner, revoked.id, { disabled: false })).status).toBe(409);
  });

  it('is audited as key.update, and a refused change as a failure with its reason', async () => {
    const user = await createUser();
    const key = await createKey(user);
    expect((await patch(user, key.id, { disabled: true })).status).toBe(200);
    expect((await patch(user, key.id, { allowedOrigins: 'nope' })).status).toBe(400);
    let entries: any[] = [];
    const found = await eventually(async () => {
      entries = (await api(`/v1/audit?event=key.update&keyId=${key.id}`, { headers: bearer(user.idToken) })).json.entries ?? [];
      return entries.length >= 2;
    }, Boolean, { timeoutMs: 10_000, everyMs: 250 });
    expect(found).toBe(true);
    expect(entries.map((e) => [e.outcome, e.reason])).toEqual([
      ['failure', 'invalid_request'],
      ['success', 'changed disabledAt (paused)'],
    ]);
  });

  it('works through the updateApiKey callable as the console calls it', async () => {
    const user = await createUser();
    const key = await createKey(user, { name: 'rpc' });
    const res = await api('/v1/rpc/updateApiKey', { method: 'POST', headers: jsonHeaders(user.idToken), body: JSON.stringify({ data: { id: key.id, name: 'renamed' } }) });
    expect(res.status).toBe(200);
    expect(res.json.result).toMatchObject({ id: key.id, name: 'renamed' });
  });
});
