// The package as an outside project gets it: `npm pack` of the functions package, installed into
// a temporary project outside the repository (dependencies from the npm registry, through the
// local npm cache), serving protected routes with only the package's public entry points
// (consumer-server.cjs) against the test stack's emulators.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { AccessTokens, signRequest } from '../../../client/src';
import { adminAuth } from '../../harness/admin';
import { createUser, signIn } from '../../harness/auth';
import { createKey } from '../../harness/keys';
import { TEST_FUNCTIONS_ENV } from '../../harness/ports';
import { sessionFor } from '../sessions/support';
import {base} from '../tokens/support';
import { eventually } from '../../harness/eventually';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../../..');

let dir: string;
const servers: ChildProcess[] = [];

/** Starts consumer-server.cjs with `env`; resolves with its URL and its stderr so far. */
async function startConsumer(env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, ['server.cjs'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  servers.push(child);
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening (http:\S+)/.exec(out);
      if (m) ok(m[1]!);
    });
    child.once('exit', (code) => fail(new Error(`consumer exited (${code}): ${err}`)));
  });
  return { url, child, stderr: () => err };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyward-consumer-'));
  // `npm test` has just built functions/lib; prepack would build it again.
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: join(ROOT, 'functions') });
  const [{ filename, files }] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(['lib/public.js', 'lib/public.d.ts', 'lib/client/index.d.ts', 'lib/jwks.d.ts', 'lib/guard.d.ts']));
  expect(files.some((f) => f.path.startsWith('src/') || f.path.endsWith('.map'))).toBe(false);
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, dependencies: { 'keyward-functions': `file:./${filename}`, express: '^4.21.2' } }),
  );
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], { cwd: dir, timeout: 240_000 });
  await copyFile(join(__dirname, 'consumer-server.cjs'), join(dir, 'server.cjs'));
}, 300_000);

afterAll(async () => {
  for (const child of servers) child.kill();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const stackEnv = (): NodeJS.ProcessEnv => ({ ...process.env, ...TEST_FUNCTIONS_ENV, NODE_PATH: '' });

describe('the packed package in a project outside the repository', () => {
  it('type-checks against its exports map: middleware, guard, client and JWKS verifier', async () => {
    await writeFile(
      join(dir, 'typed.ts'),
      [
        "import { keywardAuth, createServices, loadConfig, type Identity } from 'keyward-functions/middleware';",
        "import { requireClaims } from 'keyward-functions/guard';",
        "import { AccessTokens, signedFetch, oauthClientCredentials } from 'keyward-functions/client';",
        "import { remoteTokenVerifier } from 'keyward-functions/jwks';",
        'export const middleware = keywardAuth(createServices(loadConfig()));',
        "export const check = (who: Identity): Identity => requireClaims(who, { scope: 'reports:read' });",
        "export const tokens = new AccessTokens({ baseUrl: 'https://auth.example.com', apiKey: 'server_x' });",
        'export { signedFetch, oauthClientCredentials };',
        "export const verify = remoteTokenVerifier({ issuer: 'https://auth.example.com', audience: 'api' });",
      ].join('\n'),
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = ['--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--typeRoots', join(ROOT, 'node_modules', '@types'), '--types', 'node', 'typed.ts'];
    await expect(run(process.execPath, [tsc, ...args], { cwd: dir })).resolves.toBeDefined();
  });

  it('serves a protected route that accepts all five credential kinds, whatever the body-parser order', async () => {
    const { url } = await startConsumer(stackEnv());
    const user = await createUser();
    await adminAuth().setCustomUserClaims(user.uid, { permissions: ['reports:read'] });
    const fresh = await signIn(user.email, user.password);
    const key = await createKey(fresh, { name: 'consumer' });
    const cookie = await sessionFor(fresh);
    const token = await new AccessTokens({ baseUrl: base(), apiKey: key.key }).token();
    const signing = { keyId: key.id, signingSecret: key.signingSecret };
    const get = (path: string, headers: Record<string, string>) => fetch(url + path, { headers });

    const kinds: Array<[string, Record<string, string>]> = [
      ['session', { cookie: `__session=${cookie}` }],
      ['id_token', { authorization: `Bearer ${fresh.idToken}` }],
      ['api_key', { 'x-api-key': key.key }],
      ['access_token', { authorization: `Bearer ${token}` }],
      ['signature', signRequest(signing, { method: 'GET', url: `${url}/reports` })],
    ];
    for (const [method, headers] of kinds) {
      const res = await get('/reports', headers);
      expect({ status: res.status, body: await res.json(), poweredBy: res.headers.get('x-powered-by') }).toEqual({
        status: 200,
        body: { uid: user.uid, method, body: null },
        poweredBy: null,
      });
    }
    expect(await (await get('/guard', { 'x-api-key': key.key })).json()).toEqual({ ok: true });
    expect(await (await get('/jwks-only', { authorization: `Bearer ${token}` })).json()).toMatchObject({ keyId: key.id, sub: user.uid });

    // Signed POSTs: keywardAuth before the parser, or a parser that keeps the bytes, both verify.
    const body = JSON.stringify({ note: 'hello' });
    const signedPost = (path: string) =>
      fetch(url + path, { method: 'POST', headers: signRequest(signing, { method: 'POST', url: url + path, body, contentType: 'application/json' }), body });
    for (const path of ['/notes', '/kept']) {
      const res = await signedPost(path);
      expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: { uid: user.uid, method: 'signature', body: { note: 'hello' } } });
    }
    // A parser that kept nothing: the contract's JSON, saying what to change.
    const parsed = await signedPost('/parsed');
    expect(parsed.status).toBe(500);
    expect(await parsed.json()).toEqual({ error: { code: 'internal', message: expect.stringContaining('express.json({ verify') } });
    // Errors around the middleware are the contract's JSON too.
    const broken = await fetch(`${url}/notes`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${fresh.idToken}` }, body: '{not json' });
    expect({ status: broken.status, type: broken.headers.get('content-type') }).toEqual({ status: 400, type: expect.stringContaining('application/json') });
    expect(await broken.json()).toMatchObject({ error: { code: 'invalid_json' } });
  });

  it('answers 503 without Google credentials or emulators, and survives failing audit writes: no crash, no unhandled rejection', async () => {
    const env = stackEnv();
    // Neither emulator, and no Google credentials at all (found at once: no metadata server probe).
    for (const name of ['SECRET_MANAGER_EMULATOR_HOST', 'CLOUD_LOGGING_EMULATOR_HOST', 'GOOGLE_APPLICATION_CREDENTIALS']) delete env[name];
    Object.assign(env, {
      METADATA_SERVER_DETECTION: 'none',
      KEYWARD_AUDIT_ACCESS: 'emulator', // access entries through the Cloud Logging API, not stdout lines
      KEYWARD_AUDIT_FLUSH_MS: '0',
      KEYWARD_AUDIT_WRITE_TIMEOUT_MS: '300',
      KEYWARD_DEPENDENCY_TIMEOUT_MS: '2000',
    });
    const consumer = await startConsumer(env);
    const user = await createUser();
    const key = await createKey(user, { name: 'no secrets here' });

    const res = await fetch(`${consumer.url}/reports`, { headers: { 'x-api-key': key.key } });
    expect({ status: res.status, body: await res.json() }).toMatchObject({ status: 503, body: { error: { code: 'unavailable' } } });
    const idToken = await fetch(`${consumer.url}/guard`, { headers: { authorization: `Bearer ${user.idToken}` } });
    expect(idToken.status).toBe(403); // verified without Secret Manager; the guard refuses

    // The access entries' writes to Cloud Logging fail; the process carries on.
    const failed = await eventually(async () => ((await (await fetch(`${consumer.url}/audit-stats`)).json()) as any).failedWrites > 0, Boolean, { timeoutMs: 15_000 });
    expect(failed).toBe(true);
    expect(consumer.child.exitCode).toBeNull();
    expect((await fetch(`${consumer.url}/reports`, { headers: { authorization: `Bearer ${user.idToken}` } })).status).toBe(403);
    expect(consumer.stderr()).not.toMatch(/Unhandled|unhandledRejection/i);
  });
});
