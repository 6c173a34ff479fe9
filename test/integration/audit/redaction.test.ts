// No entry ever holds a key, secret, cookie or token. Every credential this run creates (keys,
// signing secrets, an ID token, a session cookie, an access token) is sent in the places that do
// reach the log (user agent, origin, path, failed credentials); then every entry of the log is
// read back from the Logging emulator and searched for each of them.
import { api, createUser } from '../../harness/auth';
import { createKey, jsonHeaders } from '../../harness/keys';
import { eventually } from '../../harness/eventually';
import { allAuditEntries, bearer, sessionCookie, site } from './support';

const b64 = (s: string) => Buffer.from(s).toString('base64');

it('no audit entry holds a credential this run created', async () => {
  const user = await createUser();
  const server = await createKey(user, { name: 'server' });
  const web = await createKey(user, { name: 'web', type: 'web', allowedOrigins: [site()] });
  const mobile = await createKey(user, { name: 'mobile', type: 'mobile' });
  const regenerated = (await api(`/v1/keys/${server.id}/regenerate`, { method: 'POST', headers: jsonHeaders(user.idToken), body: '{}' })).json;
  const cookie = await sessionCookie(user);
  const issued = await api('/v1/auth/issue', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api_key: mobile.key }) });
  expect(issued.status).toBe(200);
  const keys = [server.key, web.key, mobile.key, regenerated.key as string];
  const secrets = [server.signingSecret, web.signingSecret, mobile.signingSecret, regenerated.signingSecret as string];
  const tokens = [user.idToken, cookie, issued.json.token as string];

  const sent: Array<Record<string, string> & { path?: string }> = [];
  for (const key of keys) {
    const [, id, secret] = key.split('_') as [string, string, string];
    sent.push(
      { path: '/v1/me', 'x-api-key': key, 'user-agent': `agent ${key}`, origin: `https://evil.example` },
      { path: `/v1/keys/${key}`, ...bearer(user.idToken) },
      { path: '/v1/me', authorization: `ApiKey ${b64(`${id}:${secret}x`)}`, 'user-agent': `pair ${b64(`${id}:${secret}`)}` },
      { path: '/v1/me', 'x-api-key': b64(id), 'x-api-secret': b64(secret), 'user-agent': `secret ${secret}` },
      { path: `/v1/me?api_key=${key}` },
    );
  }
  for (const secret of secrets) sent.push({ path: '/v1/me', authorization: `Bearer ${secret}`, 'user-agent': `signing ${secret}` }, { path: `/v1/keys/${secret}`, ...bearer(user.idToken) });
  for (const token of tokens) {
    sent.push(
      { path: '/v1/me', ...bearer(user.idToken), 'user-agent': `token ${token}`, origin: `https://x.example/${token}` },
      { path: `/v1/me?token=${token}` },
      { path: '/v1/me', 'x-api-key': token },
      { path: `/v1/keys/${token}`, cookie: `__session=${cookie}` },
    );
  }
  const ids: string[] = [];
  for (const { path, ...headers } of sent) {
    const res = await api(path!, { headers });
    ids.push(res.headers.get('x-request-id')!);
  }

  // Access entries are written in batches: wait until every request of the run is in the log.
  const entries = await eventually(allAuditEntries, (all) => ids.every((id) => all.some((e) => (e.data as { request?: { requestId?: string } }).request?.requestId === id)), { timeoutMs: 10_000, everyMs: 250 });
  const logged = new Set(entries.map((e) => (e.data as { request?: { requestId?: string } }).request?.requestId));
  expect(ids.filter((id) => !logged.has(id))).toEqual([]);

  const text = entries.map((e) => JSON.stringify({ metadata: e.metadata, data: e.data })).join('\n');
  const needles = [
    ...keys,
    ...keys.map((k) => k.split('_')[2]!),
    ...keys.map((k) => b64(`${k.split('_')[1]}:${k.split('_')[2]}`)),
    ...secrets,
    ...secrets.map((s) => s.slice(4)),
    ...tokens,
    ...tokens.map((t) => t.split('.')[1]!),
    ...tokens.map((t) => t.split('.')[2]!).filter((signature) => signature.length > 0), // emulator tokens are unsigned
  ];
  const found = needles.filter((needle) => text.includes(needle)).map((needle) => needle.slice(0, 12));
  expect(found).toEqual([]);
  expect(text).toContain('[redacted]');
});
