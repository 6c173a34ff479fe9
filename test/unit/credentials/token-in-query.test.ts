// `?token=` carries access tokens on GET and on WebSocket upgrades only (credentials/read.ts).
// The Hosting emulator cannot proxy an Upgrade request (it answers 500), so this is checked here.
import { readCredential } from '../../../functions/src/credentials/read';

const req = (method: string, query: string, headers: Record<string, string> = {}) => ({
  method,
  rawQuery: query,
  headers,
  rawHeaders: Object.entries(headers).flat(),
});
const code = (f: () => unknown) => {
  try {
    f();
    return 'ok';
  } catch (err) {
    return (err as { code: string }).code;
  }
};

describe('?token= (access tokens in the URL)', () => {
  const upgrade = { connection: 'Upgrade', upgrade: 'websocket' };

  it('is read on GET and on WebSocket upgrades', () => {
    expect(readCredential(req('GET', 'token=a.b.c'))).toEqual({ kind: 'jwt', token: 'a.b.c', fromQuery: true });
    expect(readCredential(req('GET', 'token=a.b.c', upgrade))).toEqual({ kind: 'jwt', token: 'a.b.c', fromQuery: true });
    expect(readCredential(req('GET', 'token=a.b.c', { ...upgrade, upgrade: 'WebSocket' }))).toMatchObject({ fromQuery: true });
  });

  it('is refused on every other method, and beside another credential', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) expect(code(() => readCredential(req(method, 'token=a.b.c')))).toBe('credential_in_url');
    expect(code(() => readCredential(req('GET', 'token=a.b.c', { authorization: 'Bearer x.y.z' })))).toBe('multiple_credentials');
    expect(code(() => readCredential(req('GET', 'token=a.b.c&token=d.e.f')))).toBe('multiple_credentials');
  });
});
