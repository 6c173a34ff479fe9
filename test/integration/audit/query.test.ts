// GET /v1/audit's parameters: filters, paging, and what a hostile query gets (400, or a literal
// match that never widens the result).
import { api, createUser, type TestUser } from '../../harness/auth';
import { createKey } from '../../harness/keys';
import { audit, auditUntil, bearer, withRequestId, withRole, type AuditEntry } from './support';

let user: TestUser;
let other: TestUser;
let keyId: string;
const requestIds: string[] = [];

beforeAll(async () => {
  [user, other] = await Promise.all([createUser(), createUser()]);
  const key = await createKey(user, { name: 'paging' });
  keyId = key.id;
  await createKey(user, { name: 'another' });
  await createKey(other, { name: "other's" });
  for (let i = 0; i < 12; i++) requestIds.push((await api('/v1/me', { headers: { 'x-api-key': key.key } })).headers.get('x-request-id')!);
  await auditUntil(bearer(user.idToken), { keyId }, (es) => requestIds.every((id) => es.some((e) => e.request.requestId === id)));
});

describe('filters', () => {
  it('event, keyId, and both', async () => {
    const creates = (await audit(bearer(user.idToken), { event: 'key.create' })).json.entries as AuditEntry[];
    expect(creates).toHaveLength(2);
    expect(creates.every((e) => e.event === 'key.create' && e.target.uid === user.uid)).toBe(true);
    const forKey = (await audit(bearer(user.idToken), { keyId, pageSize: '1000' })).json.entries as AuditEntry[];
    expect(forKey).toHaveLength(13); // key.create and 12 uses
    expect(forKey.every((e) => e.target.keyId === keyId || e.actor.keyId === keyId)).toBe(true);
    const both = (await audit(bearer(user.idToken), { keyId, event: 'auth.success' })).json.entries as AuditEntry[];
    expect(both.map((e) => e.request.requestId).sort()).toEqual([...requestIds].sort());
  });

  it('from and to (RFC 3339, inclusive), newest first', async () => {
    const all = (await audit(bearer(user.idToken), { keyId, event: 'auth.success' })).json.entries as AuditEntry[];
    const times = all.map((e) => e.timestamp);
    expect([...times].sort().reverse()).toEqual(times);
    const [newest, , , middle] = times;
    const window = (await audit(bearer(user.idToken), { keyId, event: 'auth.success', from: middle!, to: newest! })).json.entries as AuditEntry[];
    expect(window.map((e) => e.timestamp)).toEqual(times.filter((t) => t >= middle! && t <= newest!));
    const offset = new Date(Date.parse(middle!) + 2 * 3600_000).toISOString().replace('Z', '+02:00').replace(/\.\d+/, '');
    expect((await audit(bearer(user.idToken), { keyId, from: offset })).status).toBe(200);
    expect((await audit(bearer(user.idToken), { keyId, from: '2999-01-01T00:00:00Z' })).json.entries).toEqual([]);
  });
});

describe('paging', () => {
  let auditor: TestUser;
  beforeAll(async () => {
    auditor = await withRole(await createUser(), { auditor: true });
  });

  it('walks every entry once, newest first, with an opaque token', async () => {
    // Read as an auditor with uid: the reads themselves (the auditor's auth.success) add nothing to the
    // set. The user's own earlier reads are written in batches: wait until a marker sent after them is in.
    const marker = (await api('/v1/me', { headers: bearer(user.idToken) })).headers.get('x-request-id');
    await auditUntil(bearer(auditor.idToken), { uid: user.uid }, withRequestId(marker));
    const everything = (await audit(bearer(auditor.idToken), { uid: user.uid, pageSize: '1000' })).json.entries as AuditEntry[];
    expect(everything.length).toBeGreaterThanOrEqual(14);
    const seen: AuditEntry[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const res = await audit(bearer(auditor.idToken), { uid: user.uid, pageSize: '4', ...(token ? { pageToken: token } : {}) });
      expect(res.status).toBe(200);
      expect(res.json.entries.length).toBeLessThanOrEqual(4);
      seen.push(...res.json.entries);
      token = res.json.nextPageToken;
      pages++;
    } while (token && pages < 50);
    const key = (e: AuditEntry) => `${e.timestamp} ${e.event} ${e.request.requestId}`;
    expect(new Set(seen.map(key)).size).toBe(seen.length); // no duplicates
    expect(seen.map(key)).toEqual(everything.map(key)); // no gaps, same order
    expect(pages).toBe(Math.ceil(everything.length / 4));
  });

  it("never widens the result with another user's page token", async () => {
    const first = await audit(bearer(auditor.idToken), { pageSize: '2' });
    expect(first.json.nextPageToken).toEqual(expect.any(String));
    const res = await audit(bearer(other.idToken), { pageSize: '1000', pageToken: first.json.nextPageToken });
    expect(res.status).toBe(200);
    expect((res.json.entries as AuditEntry[]).every((e) => e.actor.uid === other.uid || e.target.uid === other.uid)).toBe(true);
  });
});

describe('bad and hostile parameters', () => {
  const refused: Record<string, string> = {
    'an unknown parameter': 'everyone=true',
    'a repeated parameter': 'event=key.create&event=key.revoke',
    'an event outside the set': 'event=key.delete',
    'pageSize 0': 'pageSize=0',
    'pageSize over 1000': 'pageSize=1001',
    'a date without a zone': 'from=2024-05-01T00:00:00',
    'from after to': 'from=2024-05-02T00:00:00Z&to=2024-05-01T00:00:00Z',
    'an overlong page token': `pageToken=${'a'.repeat(3000)}`,
    'a quote in uid': `uid=${encodeURIComponent('x" OR labels.actor_uid:*')}`,
    'OR in uid': `uid=${encodeURIComponent('x OR y')}`,
    'a backslash in uid': `uid=${encodeURIComponent('x\\')}`,
    'a newline in uid': `uid=${encodeURIComponent('x\nOR labels.actor_uid:*')}`,
    'a quote in the event': `event=${encodeURIComponent('key.create" OR labels.event:"')}`,
    'OR in the key id': `keyId=${encodeURIComponent('AbCdEfGh12345678 OR labels.key_id:*')}`,
    'a filter in a date': `from=${encodeURIComponent('2024-05-01T00:00:00Z" OR timestamp>="1970')}`,
    'a quote in the page token': `pageToken=${encodeURIComponent('abc" OR "1')}`,
  };
  it.each(Object.entries(refused))('%s is a 400', async (_name, query) => {
    const res = await audit(bearer(user.idToken), query);
    expect({ status: res.status, code: res.json?.error?.code }).toEqual({ status: 400, code: 'invalid_request' });
  });

  it("an auditor's hostile uid matches literally, never everyone", async () => {
    const auditor = await withRole(await createUser(), { auditor: true });
    for (const uid of [`${user.uid}" OR labels.actor_uid:"`, `${user.uid}\\`, `${user.uid}\nOR`]) {
      const res = await audit(bearer(auditor.idToken), { uid });
      expect(res.status).toBe(400);
    }
    const exact = await audit(bearer(auditor.idToken), { uid: user.uid.toLowerCase() === user.uid ? user.uid.toUpperCase() : user.uid.toLowerCase() });
    expect(exact.status).toBe(200);
    expect(exact.json.entries).toEqual([]); // uids are compared exactly, not as Cloud Logging compares strings
  });
});
