// #13 item 8: the client address comes from X-Forwarded-For only through trusted proxies, for
// allowedIps, the failure limit and the audit alike.
import { createUser } from '../../harness/auth';
import { jsonHeaders } from '../../harness/keys';
import { formatKey, newKeyId, newSecret } from '../../../functions/src/keys/format';
import { appWithAudit, fetchAt } from './support';

async function keyAt(url: string, body: Record<string, unknown>) {
  const user = await createUser();
  const res = await fetchAt(`${url}/v1/keys`, { method: 'POST', headers: jsonHeaders(user.idToken), body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`create key: ${res.status} ${res.text}`);
  return res.json as { id: string; key: string };
}

describe('a direct caller cannot choose its address', () => {
  let app: Awaited<ReturnType<typeof appWithAudit>>;
  beforeAll(async () => {
    app = await appWithAudit({ KEYWARD_FAILURE_LIMIT: '5', KEYWARD_TRUSTED_PROXIES: 'linklocal,uniquelocal' }); // the production default
  });
  afterAll(() => app.close());

  it('ignores a forged X-Forwarded-For for allowedIps and the audit', async () => {
    const key = await keyAt(app.url, { name: 'office only', allowedIps: ['10.0.0.0/8'] });
    const res = await fetchAt(`${app.url}/v1/me`, { headers: { 'x-api-key': key.key, 'x-forwarded-for': '10.1.2.3' } });
    expect([res.status, res.json.error?.code]).toEqual([403, 'ip_not_allowed']);
    const entries = app.events.filter((e) => e.request?.requestId === res.headers.get('x-request-id'));
    expect(entries.map((e) => e.request?.ip)).toEqual(entries.map(() => '127.0.0.1'));
  });

  it('counts failures against the real address however the header rotates (429 with Retry-After)', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 8; i++) {
      const keyId = newKeyId(); // a new key id each time: only the per-address count can stop it
      const res = await fetchAt(`${app.url}/v1/me`, { headers: { 'x-api-key': formatKey({ type: 'server', keyId, secret: newSecret('server', keyId) }), 'x-forwarded-for': `198.51.100.${i}` } });
      statuses.push(res.status);
      retryAfter ??= res.headers.get('retry-after');
    }
    // 401s until the address is over its limit (5 here; fewer when this minute already saw failures
    // from this address), then 429 for every one after, whatever address the header claims.
    const limited = statuses.indexOf(429);
    expect([limited >= 0 && limited <= 5, statuses]).toEqual([true, statuses.map((_, i) => (i < limited ? 401 : 429))]);
    // The wait is what is left of the minute: whole seconds.
    expect([retryAfter, Number(retryAfter) >= 1 && Number(retryAfter) <= 60]).toEqual([expect.stringMatching(/^\d+$/), true]);
  });
});

describe('behind a trusted proxy', () => {
  it('takes the address the proxy appended, not what the caller wrote before it', async () => {
    const app = await appWithAudit({ KEYWARD_TRUSTED_PROXIES: 'loopback' });
    try {
      const key = await keyAt(app.url, { name: 'office only', allowedIps: ['10.0.0.0/8'] });
      const through = await fetchAt(`${app.url}/v1/me`, { headers: { 'x-api-key': key.key, 'x-forwarded-for': '10.1.2.3' } });
      expect(through.status).toBe(200);
      const forgedBefore = await fetchAt(`${app.url}/v1/me`, { headers: { 'x-api-key': key.key, 'x-forwarded-for': '10.1.2.3, 203.0.113.7' } });
      expect([forgedBefore.status, forgedBefore.json.error?.code]).toEqual([403, 'ip_not_allowed']);
      const entries = app.events.filter((e) => e.request?.requestId === forgedBefore.headers.get('x-request-id'));
      expect(entries[0]!.request!.ip).toBe('203.0.113.7');
    } finally {
      await app.close();
    }
  });
});
