// The stack itself, through Hosting (the way browsers and clients reach the API).
import { api } from '../harness/auth';

describe('foundation (through Hosting)', () => {
  it('GET /v1/health answers 200 {"status":"ok"}', async () => {
    const res = await api('/v1/health');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(res.json).toEqual({ status: 'ok' });
  });

  it('an unknown path under /v1 is a JSON 404', async () => {
    const res = await api('/v1/no-such-endpoint');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(res.json).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
    expect(res.json.error.code).toMatch(/^[a-z][a-z0-9_]*$/);
  });
});
