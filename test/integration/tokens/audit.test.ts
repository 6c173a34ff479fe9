// Token issuance in the audit trail: one `token.issue` entry per token, never the token; and no
// token at all when the entry cannot be written.
import { freePort } from '../../harness/ports';
import { api } from '../../harness/auth';
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import { bearer, userWithKey } from '../../harness/keys';
import { issue } from './support';

describe('access tokens: audit', () => {
  it('records token.issue with the key and the request, never the token or the key', async () => {
    const { user, key } = await userWithKey({ name: 'audited' });
    const res = await issue({ api_key: key.key }, { 'user-agent': 'tokens-audit-test' });
    expect(res.status).toBe(200);
    const trail = await api(`/v1/audit?event=token.issue&keyId=${key.id}`, { headers: bearer(user.idToken) });
    expect(trail.status).toBe(200);
    expect(trail.json.entries).toHaveLength(1);
    expect(trail.json.entries[0]).toMatchObject({
      event: 'token.issue',
      outcome: 'success',
      actor: { uid: user.uid, method: 'api_key', keyId: key.id },
      target: { uid: user.uid, keyId: key.id },
      request: { method: 'POST', path: '/v1/auth/issue', userAgent: 'tokens-audit-test' },
    });
    for (const secret of [res.json.token, res.json.token.split('.')[2], key.key, key.signingSecret]) expect(trail.text).not.toContain(secret);
  });

  describe('when Cloud Logging is unreachable', () => {
    let app: InProcessApp;
    let stderr: jest.SpyInstance;

    beforeAll(async () => {
      stderr = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      app = await startInProcessApp({ CLOUD_LOGGING_EMULATOR_HOST: `127.0.0.1:${await freePort()}`, KEYWARD_AUDIT_WRITE_TIMEOUT_MS: '300' });
    });
    afterAll(async () => {
      await app?.close();
      await app?.services.audit.close();
      stderr.mockRestore();
    });

    it('issues no token: 503 with Retry-After', async () => {
      const { key } = await userWithKey({ name: 'unaudited' });
      const res = await issue({ api_key: key.key }, {}, app.url);
      expect([res.status, res.json.error.code]).toEqual([503, 'unavailable']);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(res.json.token).toBeUndefined();
    });
  });
});
