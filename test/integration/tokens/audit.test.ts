// Token issuance in the audit trail: one `token.issue` entry per token, never the token; and no
// token at all when the entry cannot be written.
import { api, type TestUser } from '../../harness/auth';
import { eventually } from '../../harness/eventually';
import { loggingOutage, type LoggingOutage } from '../../harness/logging-outage';
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
    let outage: LoggingOutage;
    let user: TestUser;

    beforeAll(async () => {
      stderr = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      outage = await loggingOutage();
      app = await startInProcessApp({ CLOUD_LOGGING_EMULATOR_HOST: outage.host, KEYWARD_AUDIT_WRITE_TIMEOUT_MS: '300' });
    });
    afterAll(async () => {
      // The outage ends before the app stops, so its final checkpoint reaches Logging as well as Firestore.
      await outage.end();
      if (user) await eventually(() => fetch(`${app.url}/v1/audit`, { headers: bearer(user.idToken) }), (res) => res.status === 200, { timeoutMs: 20_000, everyMs: 250 });
      await app?.close();
      await outage.close();
      stderr.mockRestore();
    });

    it('issues no token: 503 with Retry-After', async () => {
      const made = await userWithKey({ name: 'unaudited' });
      const key = made.key;
      user = made.user;
      const res = await issue({ api_key: key.key }, {}, app.url);
      expect([res.status, res.json.error.code]).toEqual([503, 'unavailable']);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(res.json.token).toBeUndefined();
    });
  });
});
