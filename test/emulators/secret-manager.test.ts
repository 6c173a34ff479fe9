// The local Secret Manager emulator, exercised only through the official client.
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { grpc } from 'google-gax';
import { startSecretManagerEmulator, type SecretManagerEmulator } from '../../emulators/secret-manager';
import { grpcFailure } from '../harness/outcomes';

process.env.GOOGLE_CLOUD_PROJECT = 'demo-keyward';
process.env.GCLOUD_PROJECT = 'demo-keyward';
// No metadata-server probe from google-auth-library (the client asks for a universe domain).
process.env.METADATA_SERVER_DETECTION = 'none';

const INVALID_ARGUMENT = 3;
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
const FAILED_PRECONDITION = 9;
const UNIMPLEMENTED = 12;

const PROJECT = 'projects/demo-keyward';

let emulator: SecretManagerEmulator;
let client: SecretManagerServiceClient;

beforeAll(async () => {
  emulator = await startSecretManagerEmulator({ port: 0 });
  // sslCreds must be made by google-gax's own grpc-js (grpc-js checks instanceof ChannelCredentials).
  client = new SecretManagerServiceClient({ apiEndpoint: '127.0.0.1', port: emulator.port, sslCreds: grpc.credentials.createInsecure() });
});

afterAll(async () => {
  await client.close();
  await emulator.stop();
});

async function access(name: string): Promise<{ name: string; data: string; crc: string }> {
  const [res] = await client.accessSecretVersion({ name });
  return { name: String(res.name), data: Buffer.from(res.payload!.data as Uint8Array).toString(), crc: String(res.payload!.dataCrc32c) };
}

async function createSecret(secretId: string) {
  const [secret] = await client.createSecret({
    parent: PROJECT,
    secretId,
    secret: { replication: { automatic: {} }, labels: { app: 'keyward' } },
  });
  return secret;
}

test('a secret goes through its whole version lifecycle', async () => {
  const secret = await createSecret('lifecycle');
  const name = `${PROJECT}/secrets/lifecycle`;
  expect(secret.name).toBe(name);
  expect((await grpcFailure(createSecret('lifecycle'))).code).toBe(ALREADY_EXISTS);
  const [got] = await client.getSecret({ name });
  expect(got.labels).toEqual({ app: 'keyward' });

  for (const data of ['one', 'two', '123456789']) {
    await client.addSecretVersion({ parent: name, payload: { data: Buffer.from(data) } });
  }
  // latest is the newest version; the payload carries its CRC32C (check value of "123456789").
  expect(await access(`${name}/versions/latest`)).toEqual({ name: `${name}/versions/3`, data: '123456789', crc: '3808858755' });
  expect((await access(`${name}/versions/1`)).data).toBe('one');

  const [versions] = await client.listSecretVersions({ parent: name });
  expect(versions.map((v) => [v.name, v.state])).toEqual([
    [`${name}/versions/3`, 'ENABLED'],
    [`${name}/versions/2`, 'ENABLED'],
    [`${name}/versions/1`, 'ENABLED'],
  ]);

  // Disabling the newest version: like the real service, `latest` still names it (and so fails);
  // the newest *enabled* version is found by listing, which is what Keyward's provider does.
  const [disabled] = await client.disableSecretVersion({ name: `${name}/versions/3` });
  expect(disabled.state).toBe('DISABLED');
  expect(await grpcFailure(client.accessSecretVersion({ name: `${name}/versions/3` }))).toEqual({
    code: FAILED_PRECONDITION,
    details: `Secret Version [${name}/versions/3] is in DISABLED state.`,
  });
  expect((await grpcFailure(client.accessSecretVersion({ name: `${name}/versions/latest` }))).code).toBe(FAILED_PRECONDITION);
  const [afterDisable] = await client.listSecretVersions({ parent: name });
  const newestEnabled = afterDisable.find((v) => v.state === 'ENABLED');
  expect(newestEnabled?.name).toBe(`${name}/versions/2`);
  expect((await access(String(newestEnabled!.name))).data).toBe('two');

  const [enabled] = await client.enableSecretVersion({ name: `${name}/versions/3` });
  expect(enabled.state).toBe('ENABLED');
  expect((await access(`${name}/versions/latest`)).data).toBe('123456789');

  const [destroyed] = await client.destroySecretVersion({ name: `${name}/versions/2` });
  expect(destroyed.state).toBe('DESTROYED');
  expect(destroyed.destroyTime).toBeTruthy();
  expect((await grpcFailure(client.accessSecretVersion({ name: `${name}/versions/2` }))).code).toBe(FAILED_PRECONDITION);
  expect((await grpcFailure(client.enableSecretVersion({ name: `${name}/versions/2` }))).code).toBe(FAILED_PRECONDITION);
  const [getDestroyed] = await client.getSecretVersion({ name: `${name}/versions/2` });
  expect(getDestroyed.state).toBe('DESTROYED');

  expect((await grpcFailure(client.accessSecretVersion({ name: `${name}/versions/99` }))).code).toBe(NOT_FOUND);
  expect((await grpcFailure(client.accessSecretVersion({ name: `${PROJECT}/secrets/nope/versions/1` }))).code).toBe(NOT_FOUND);
  expect((await grpcFailure(client.getSecret({ name: `${PROJECT}/secrets/nope` }))).code).toBe(NOT_FOUND);
  expect((await grpcFailure(client.addSecretVersion({ parent: `${PROJECT}/secrets/nope`, payload: { data: Buffer.from('x') } }))).code).toBe(NOT_FOUND);

  await client.deleteSecret({ name });
  expect((await grpcFailure(client.getSecret({ name }))).code).toBe(NOT_FOUND);
  expect((await grpcFailure(client.accessSecretVersion({ name: `${name}/versions/1` }))).code).toBe(NOT_FOUND);
});

test('a client-supplied CRC32C is checked', async () => {
  const name = (await createSecret('checksummed')).name!;
  const [ok] = await client.addSecretVersion({ parent: name, payload: { data: Buffer.from('123456789'), dataCrc32c: 3808858755 } });
  expect(ok.clientSpecifiedPayloadChecksum).toBe(true);
  const bad = await grpcFailure(client.addSecretVersion({ parent: name, payload: { data: Buffer.from('123456789'), dataCrc32c: 1 } }));
  expect(bad.code).toBe(INVALID_ARGUMENT);
  expect(bad.details).toMatch(/checksum/i);
  const [versions] = await client.listSecretVersions({ parent: name });
  expect(versions).toHaveLength(1);
});

test('secrets are listed page by page', async () => {
  for (const id of ['page-a', 'page-b', 'page-c']) await createSecret(id);
  const [first, , firstResponse] = await client.listSecrets({ parent: PROJECT, pageSize: 2, filter: '' }, { autoPaginate: false });
  expect(first).toHaveLength(2);
  expect(firstResponse?.nextPageToken).toBeTruthy();
  const [all] = await client.listSecrets({ parent: PROJECT });
  expect(all.map((s) => s.name)).toEqual(expect.arrayContaining([`${PROJECT}/secrets/page-a`, `${PROJECT}/secrets/page-b`, `${PROJECT}/secrets/page-c`]));
  expect(new Set(all.map((s) => s.name)).size).toBe(all.length);
});

test('methods the emulator does not implement fail with UNIMPLEMENTED naming the method', async () => {
  const rotate = await grpcFailure(client.rotateSecret({ parent: `${PROJECT}/secrets/whatever` }));
  expect(rotate.code).toBe(UNIMPLEMENTED);
  expect(rotate.details).toContain('RotateSecret');
  const iam = await grpcFailure(client.getIamPolicy({ resource: `${PROJECT}/secrets/whatever` }));
  expect(iam.code).toBe(UNIMPLEMENTED);
  expect(iam.details).toContain('GetIamPolicy');
  // Filters are a feature it does not reproduce: refused, not ignored.
  expect((await grpcFailure(client.listSecrets({ parent: PROJECT, filter: 'labels.app=keyward' }))).code).toBe(UNIMPLEMENTED);
});

test('stats count the calls per method', () => {
  const { calls } = emulator.stats();
  expect(calls.AccessSecretVersion).toBeGreaterThanOrEqual(8);
  expect(calls.RotateSecret).toBe(1);
  expect(calls.CreateSecret).toBeGreaterThanOrEqual(5);
});
