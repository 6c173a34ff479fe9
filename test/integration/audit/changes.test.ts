// GET /v1/audit?kind=changes: lifecycle events and refusals without the successful access entries
// that make up most of the trail; and the emails of the uids on the page, where the reader may see them.
import { api, createUser } from '../../harness/auth';
import { bearer, createKey } from '../../harness/keys';
import { eventually } from '../../harness/eventually';

describe('audit: changes and refusals, with emails', () => {
  jest.setTimeout(60_000);

  it('leaves out auth.success with kind=changes and names the reader by email', async () => {
    const user = await createUser();
    const key = await createKey(user);
    for (let i = 0; i < 3; i++) expect((await api('/v1/me', { headers: { 'x-api-key': key.key } })).status).toBe(200);
    const refused = await api('/v1/keys', { method: 'POST', headers: { ...bearer(user.idToken), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'w', type: 'web' }) });
    expect(refused.status).toBe(400);

    let all: any;
    expect(
      await eventually(async () => {
        all = (await api('/v1/audit?pageSize=100', { headers: bearer(user.idToken) })).json;
        return all.entries.filter((e: any) => e.event === 'auth.success' && e.actor.keyId === key.id).length === 3;
      }, Boolean, { timeoutMs: 15_000 }),
    ).toBe(true);
    const changes = (await api('/v1/audit?pageSize=100&kind=changes', { headers: bearer(user.idToken) })).json;
    expect(changes.entries.length).toBeGreaterThan(0);
    expect(changes.entries.filter((e: any) => e.event === 'auth.success')).toEqual([]);
    expect(changes.entries.map((e: any) => `${e.event} ${e.outcome}`)).toEqual(expect.arrayContaining(['key.create success', 'key.create failure']));
    expect(changes.entries.find((e: any) => e.event === 'key.create' && e.outcome === 'failure').reason).toBe('invalid_request');
    expect(changes.users).toEqual({ [user.uid]: user.email });
    expect((await api('/v1/audit?kind=some', { headers: bearer(user.idToken) })).status).toBe(400);
  });
});
