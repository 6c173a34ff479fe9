// GitHub's secret-scanning partner endpoint, tested by acting as GitHub: this test holds its own
// P-256 key pairs, serves the key list from a loopback port (the meta endpoint), and signs report
// bodies as GitHub does. Two Keyward instances run in this process (A receives the reports, B is
// another instance with the key cached as valid), plus the functions behind Hosting.
import { createHash } from 'node:crypto';
import { api, createUser, type TestUser } from '../../harness/auth';
import { bearer } from '../../harness/keys';
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import { TEST_FUNCTIONS_ENV } from '../../harness/ports';
import { formatKey, newKeyId, newSecret } from '../../../functions/src/keys/format';
import {createKeyAt, fetchJson, meAt} from '../keys/support';
import { newSigner, report, sendReport, startFakeGithub, type FakeGithub, type GithubSigner } from './fake-github';
import { eventually } from '../../harness/eventually';

const CACHE_TTL_MS = Number(TEST_FUNCTIONS_ENV.KEYWARD_CACHE_TTL_MS);
const PREFIX = 'acme';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('POST /v1/secret-scanning/github', () => {
  let github: FakeGithub;
  let signer: GithubSigner;
  let a: InProcessApp;
  let b: InProcessApp;
  let user: TestUser;

  beforeAll(async () => {
    signer = newSigner();
    github = await startFakeGithub([signer]);
    // Refetch on an unknown identifier is allowed at once here (60 s by default).
    const env = { KEYWARD_GITHUB_KEYS_URL: github.url, KEYWARD_GITHUB_KEYS_REFETCH_MS: '0', KEYWARD_KEY_PREFIX: PREFIX };
    [a, b] = await Promise.all([startInProcessApp(env), startInProcessApp(env)]);
    user = await createUser();
  });
  afterAll(async () => {
    for (const app of [a, b]) {
      await app?.close();
      await app?.services.audit.close();
    }
    await github?.close();
  });

  const keyWorks = async (key: string) => (await meAt(a.url, { 'x-api-key': key })).status === 200;
  const status = async (id: string) => (await fetchJson(`${a.url}/v1/keys/${id}`, { headers: bearer(user.idToken) })).json.status as string;
  const leakEntries = async (keyId: string) => {
    await a.services.audit.flush();
    const res = await fetchJson(`${a.url}/v1/audit?event=key.leak&keyId=${keyId}`, { headers: bearer(user.idToken) });
    expect(res.status).toBe(200);
    return res.json.entries as Array<Record<string, any>>;
  };

  it('revokes a reported key at once, on every instance within the revocation bound, and answers without the token', async () => {
    const key = await createKeyAt(a.url, user, { name: 'leaky' });
    expect(key.key.startsWith(`${PREFIX}_server_`)).toBe(true);
    const headers = { 'x-api-key': key.key };
    // Every instance has the key cached as valid.
    expect((await meAt(a.url, headers)).status).toBe(200);
    expect((await meAt(b.url, headers)).status).toBe(200);
    expect((await api('/v1/me', { headers })).status).toBe(200);

    const body = JSON.stringify([report(key.key, 'acme_server_key')]);
    const res = await sendReport(a.url, body, signer);
    const reportedAt = Date.now();
    expect(res.status).toBe(200);
    expect(res.json).toEqual([{ token_hash: sha256(key.key), token_type: 'acme_server_key', label: 'true_positive' }]);
    expect(res.text).not.toContain(key.key.split('_').pop());

    const atA = await meAt(a.url, headers);
    expect([atA.status, atA.json.error.code]).toEqual([401, 'revoked_credential']);
    const refusedEverywhere = await eventually(
      async () => (await meAt(b.url, headers)).status === 401 && (await api('/v1/me', { headers })).status === 401,
      Boolean,
      { timeoutMs: CACHE_TTL_MS + 4000, everyMs: 50 },
    );
    expect(refusedEverywhere).toBe(true);
    expect(Date.now() - reportedAt).toBeLessThan(CACHE_TTL_MS + 4000);
    expect(await status(key.id)).toBe('revoked');

    const [entry] = await leakEntries(key.id);
    expect(entry).toMatchObject({
      event: 'key.leak',
      outcome: 'success',
      actor: { method: 'secret_scanning' },
      target: { uid: user.uid, keyId: key.id },
      location: { url: report('').url, source: 'content' },
    });
    expect(entry!.reason).toContain('revoked');
    expect(JSON.stringify(entry)).not.toContain(key.key.split('_').pop());
  });

  it('refuses a forged report (signed by another key under GitHub identifier) with 401 and changes nothing', async () => {
    const key = await createKeyAt(a.url, user, { name: 'forged' });
    const forger = newSigner();
    const body = JSON.stringify([report(key.key)]);
    const res = await sendReport(a.url, body, forger, { identifier: signer.identifier });
    expect([res.status, res.json.error.code]).toEqual([401, 'invalid_signature']);
    expect(res.text).not.toContain(key.key);
    expect(await keyWorks(key.key)).toBe(true);
    // No signature at all, or a signature that is not base64 DER.
    const unsigned = await sendReport(a.url, body, undefined);
    expect([unsigned.status, unsigned.json.error.code]).toEqual([401, 'invalid_signature']);
    const garbage = await fetchJson(`${a.url}/v1/secret-scanning/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'github-public-key-identifier': signer.identifier, 'github-public-key-signature': 'not base64!' },
      body,
    });
    expect([garbage.status, garbage.json.error.code]).toEqual([401, 'invalid_signature']);
    // Behind Hosting too: the endpoint needs no Keyward credential, and refuses an unsigned report.
    const hosted = await api('/v1/secret-scanning/github', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect([hosted.status, hosted.json.error.code]).toEqual([401, 'invalid_signature']);
    expect(await keyWorks(key.key)).toBe(true);
  });

  it('fetches the key list again once on an unknown identifier: refused while unknown, accepted once GitHub publishes it', async () => {
    const key = await createKeyAt(a.url, user, { name: 'rotation' });
    const rotated = newSigner();
    const body = JSON.stringify([report(key.key)]);
    const before = github.fetches;
    const unknown = await sendReport(a.url, body, rotated);
    expect([unknown.status, unknown.json.error.code]).toEqual([401, 'invalid_signature']);
    expect(github.fetches).toBe(before + 1);
    expect(await keyWorks(key.key)).toBe(true);

    github.published = [rotated, signer];
    const accepted = await sendReport(a.url, body, rotated);
    expect(accepted.status).toBe(200);
    expect(accepted.json[0].label).toBe('true_positive');
    expect(await keyWorks(key.key)).toBe(false);
  });

  it('keeps the key list it has when GitHub rate-limits the refetch', async () => {
    const key = await createKeyAt(a.url, user, { name: 'rate limited' });
    github.failWith = 429;
    try {
      const stranger = await sendReport(a.url, JSON.stringify([report(key.key)]), newSigner());
      expect(stranger.status).toBe(401); // refetched, refused: the old list stands
      const res = await sendReport(a.url, JSON.stringify([report(key.key)]), signer);
      expect([res.status, res.json[0]?.label]).toEqual([200, 'true_positive']);
    } finally {
      github.failWith = undefined;
    }
  });

  it('refuses a re-serialized body: the signature covers the exact bytes', async () => {
    const key = await createKeyAt(a.url, user, { name: 'reserialized' });
    const items = [report(key.key)];
    const res = await sendReport(a.url, JSON.stringify(items, null, 2), signer, { signed: JSON.stringify(items) });
    expect([res.status, res.json.error.code]).toEqual([401, 'invalid_signature']);
    expect(await keyWorks(key.key)).toBe(true);
  });

  it('answers a signed body that is not an array with 400 and changes nothing', async () => {
    const key = await createKeyAt(a.url, user, { name: 'not an array' });
    for (const body of [JSON.stringify(report(key.key)), '{"token":', JSON.stringify([{ type: 'x' }]), JSON.stringify([key.key])]) {
      const res = await sendReport(a.url, body, signer);
      expect([res.status, res.json.error.code]).toEqual([400, 'invalid_request']);
      expect(res.text).not.toContain(key.key);
    }
    expect(await keyWorks(key.key)).toBe(true);
  });

  it('takes a batch over 16 KiB (the normal body limit), and answers every item in order', async () => {
    const key = await createKeyAt(a.url, user, { name: 'batched' });
    const noise = Array.from({ length: 150 }, (_, i) => report(`ghp_${i.toString().padStart(36, '0')}`, 'other_token'));
    const items = [...noise.slice(0, 75), report(key.key), ...noise.slice(75)];
    const body = JSON.stringify(items);
    expect(Buffer.byteLength(body)).toBeGreaterThan(16 * 1024);
    // The normal /v1 limit still holds elsewhere.
    const elsewhere = await fetchJson(`${a.url}/v1/keys`, { method: 'POST', headers: { ...bearer(user.idToken), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x'.repeat(17 * 1024) }) });
    expect(elsewhere.status).toBe(413);

    const res = await sendReport(a.url, body, signer);
    expect(res.status).toBe(200);
    expect(res.json).toHaveLength(items.length);
    expect(res.json.map((f: { token_hash: string }) => f.token_hash)).toEqual(items.map((i) => sha256(i.token)));
    expect(res.json.filter((f: { label: string }) => f.label === 'true_positive')).toEqual([{ token_hash: sha256(key.key), token_type: 'keyward_api_key', label: 'true_positive' }]);
    expect(await keyWorks(key.key)).toBe(false);
  });

  it('handles the same token twice: true positive each time, revoked once, every report audited', async () => {
    const key = await createKeyAt(a.url, user, { name: 'twice' });
    const body = JSON.stringify([report(key.key), report(key.key)]);
    const first = await sendReport(a.url, body, signer);
    expect(first.json.map((f: { label: string }) => f.label)).toEqual(['true_positive', 'true_positive']);
    const revokedAt = (await fetchJson(`${a.url}/v1/keys/${key.id}`, { headers: bearer(user.idToken) })).json.revokedAt;
    expect(revokedAt).toBeTruthy();

    const again = await sendReport(a.url, JSON.stringify([report(key.key)]), signer);
    expect(again.json[0].label).toBe('true_positive');
    expect((await fetchJson(`${a.url}/v1/keys/${key.id}`, { headers: bearer(user.idToken) })).json.revokedAt).toBe(revokedAt);
    const entries = await leakEntries(key.id);
    expect(entries.map((e) => e.reason).sort()).toEqual(['api_key reported by github; already revoked', 'api_key reported by github; revoked']);
  });

  it('revokes the key of a reported signing secret, found by the key id inside it', async () => {
    const key = await createKeyAt(a.url, user, { name: 'signing' });
    expect(key.signingSecret.startsWith(`${PREFIX}_kws_${key.id}_`)).toBe(true);
    const res = await sendReport(a.url, JSON.stringify([report(key.signingSecret, 'acme_signing_secret')]), signer);
    expect(res.json).toEqual([{ token_hash: sha256(key.signingSecret), token_type: 'acme_signing_secret', label: 'true_positive' }]);
    expect(await keyWorks(key.key)).toBe(false);
    const [entry] = await leakEntries(key.id);
    expect(entry!.reason).toBe('signing_secret reported by github; revoked');
  });

  it('labels tokens that are not a Keyward key\'s secret false positives and revokes nothing', async () => {
    const key = await createKeyAt(a.url, user, { name: 'innocent' });
    const id = newKeyId();
    const wrongSecret = formatKey({ prefix: PREFIX, type: 'server', keyId: key.id, secret: newSecret('server', key.id, PREFIX) });
    const asWebKey = formatKey({ prefix: PREFIX, type: 'web', keyId: key.id, secret: newSecret('web', key.id, PREFIX) });
    const tokens = [
      'ghp_notakeywardtoken000000000000000000',
      formatKey({ prefix: PREFIX, type: 'server', keyId: id, secret: newSecret('server', id, PREFIX) }), // no such key
      wrongSecret, // the key's id, another secret
      asWebKey,
      key.key.slice(0, -1) + (key.key.endsWith('A') ? 'B' : 'A'), // a bad checksum
    ];
    const res = await sendReport(a.url, JSON.stringify(tokens.map((t) => report(t))), signer);
    expect(res.status).toBe(200);
    expect(res.json).toEqual(tokens.map((t) => ({ token_hash: sha256(t), token_type: 'keyward_api_key', label: 'false_positive' })));
    expect(await keyWorks(key.key)).toBe(true);
    expect(await leakEntries(key.id)).toEqual([]);
  });
});

describe('forged reports while no GitHub key list is held', () => {
  let github: FakeGithub;
  let app: InProcessApp;

  beforeAll(async () => {
    github = await startFakeGithub([newSigner()]);
    // GitHub unreachable for this instance (rate limited: 403), and the default refetch interval (60 s).
    github.failWith = 403;
    app = await startInProcessApp({ KEYWARD_GITHUB_KEYS_URL: github.url });
  });
  afterAll(async () => {
    await app?.close();
    await app?.services.audit.close();
    await github?.close();
  });

  it('30 forged reports, 10 of them at once, fetch the key list once: each is 503 and GitHub is not hammered', async () => {
    const body = JSON.stringify([report('ghp_forged0000000000000000000000000000')]);
    const answers = await Promise.all(Array.from({ length: 10 }, () => sendReport(app.url, body, newSigner())));
    for (let i = 0; i < 20; i++) answers.push(await sendReport(app.url, body, newSigner()));
    expect(answers.map((a) => [a.status, a.json?.error?.code])).toEqual(Array.from({ length: 30 }, () => [503, 'unavailable']));
    expect(github.fetches).toBe(1);
  });
});
