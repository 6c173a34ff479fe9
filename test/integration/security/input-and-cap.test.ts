// #13 items 4 and 12: the active-key cap exact under concurrent creates (Firestore's create(), on
// the stand-in too), and input that would otherwise get the wrong answer.
import { api, createUser } from '../../harness/auth';
import { jsonHeaders } from '../../harness/keys';
import { appWithAudit, fetchAt } from './support';

describe('the active-key cap', () => {
  it('lets exactly one of 20 concurrent creates take the last place, and counts past many revoked keys', async () => {
    const app = await appWithAudit({ KEYWARD_KEYS_PER_USER: '5' });
    try {
      const user = await createUser();
      const create = (name: string) => fetchAt(`${app.url}/v1/keys`, { method: 'POST', headers: jsonHeaders(user.idToken), body: JSON.stringify({ name }) });
      // Revoked keys first: they never hide active ones from the count.
      for (let i = 0; i < 3; i++) {
        const k = (await create(`old ${i}`)).json;
        expect((await fetchAt(`${app.url}/v1/keys/${k.id}`, { method: 'DELETE', headers: jsonHeaders(user.idToken) })).status).toBe(200);
      }
      for (let i = 0; i < 4; i++) expect((await create(`k${i}`)).status).toBe(201);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => create(`race ${i}`)));
      expect(results.filter((r) => r.status === 201)).toHaveLength(1);
      expect(results.filter((r) => r.status === 409).every((r) => r.json.error.code === 'conflict')).toBe(true);
      expect(results.filter((r) => r.status === 409)).toHaveLength(19);
      const list = await fetchAt(`${app.url}/v1/keys`, { headers: jsonHeaders(user.idToken) });
      expect(list.json.keys.filter((k: { status: string }) => k.status === 'active')).toHaveLength(5);
    } finally {
      await app.close();
    }
  });
});

describe('input that means one thing', () => {
  const post = (idToken: string, body: string) => api('/v1/keys', { method: 'POST', headers: jsonHeaders(idToken), body });

  it('refuses a lone surrogate, a repeated key and a date that does not exist (400), and writes nothing', async () => {
    const user = await createUser();
    const cases: [string, string][] = [
      ['{"name":"\\ud800"}', 'invalid_json'],
      ['{"name":"a","name":"b"}', 'invalid_json'],
      ['{"name":"a","scopes":[],"scopes":["x"]}', 'invalid_json'],
      ['{"name":"a","expiresAt":"2027-02-30"}', 'invalid_request'],
      ['{"name":"a","expiresAt":"2027-02-30T00:00:00Z"}', 'invalid_request'],
    ];
    for (const [body, code] of cases) {
      const res = await post(user.idToken, body);
      expect([body, res.status, res.json.error?.code]).toEqual([body, 400, code]);
    }
    expect((await api('/v1/keys', { headers: jsonHeaders(user.idToken) })).json.keys).toEqual([]);
  });
});
