// A client built from the document alone (openapi-fetch with the types openapi-typescript generated
// from docs/openapi.json), as an integrator in any language would build one: it creates a key,
// trades it for an access token, and reads /v1/me with the token.
import createClient from 'openapi-fetch';
import type { paths } from '../../../console/src/openapi';
import { createUser } from '../../harness/auth';
import { BASE_URL } from '../../harness/ports';

describe('a typed client generated from the OpenAPI document', () => {
  it('creates a key, mints a token and reads /v1/me', async () => {
    const user = await createUser();
    const client = createClient<paths>({ baseUrl: process.env.KEYWARD_BASE_URL ?? BASE_URL });

    const created = await client.POST('/v1/keys', { body: { name: 'from the spec' }, headers: { authorization: `Bearer ${user.idToken}` } });
    expect([created.response.status, created.data?.name, created.data?.status]).toEqual([201, 'from the spec', 'active']);
    const key = created.data!.key;

    const issued = await client.POST('/v1/auth/issue', { body: { api_key: key } });
    expect(issued.response.status).toBe(200);
    const token = issued.data!.token;

    const me = await client.GET('/v1/me', { headers: { authorization: `Bearer ${token}` } });
    expect([me.response.status, me.data?.uid, me.data?.auth.method, me.data?.auth.keyId]).toEqual([200, user.uid, 'access_token', created.data!.id]);

    // A refusal comes back typed as the contract's error.
    const refused = await client.GET('/v1/me', { headers: { authorization: 'Bearer not.a.token' } });
    expect([refused.response.status, refused.error?.error.code]).toEqual([401, 'invalid_credential']);
  });
});
