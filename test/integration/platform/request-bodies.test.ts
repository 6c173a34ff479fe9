// The REST API's body rules on the runtimes that serve it: the Functions Framework (what Cloud Run
// functions runs in production) and the Functions emulator behind Hosting (npm start). Both parse
// bodies before function code runs; Keyward must still answer every bad body with the contract's
// JSON error, and check signatures against the exact bytes sent.
import { gzipSync } from 'node:zlib';
import { signRequest } from '../../../client/src';
import { createUser } from '../../harness/auth';
import { startFunctionsFramework, type FrameworkServer } from '../../harness/functions-framework';
import { createKey } from '../../harness/keys';
import { BASE_URL, TEST_FUNCTIONS_ENV } from '../../harness/ports';
import { contractError, send } from '../hardening/support';

let framework: FrameworkServer;

beforeAll(async () => {
  framework = await startFunctionsFramework('api', TEST_FUNCTIONS_ENV);
}, 60_000);

afterAll(async () => {
  await framework?.stop();
});

const runtimes: Array<[string, () => string]> = [
  ['the Functions Framework (Cloud Run functions)', () => framework.url],
  ['the Functions emulator through Hosting', () => process.env.KEYWARD_BASE_URL ?? BASE_URL],
];

describe.each(runtimes)('request bodies on %s', (_name, base) => {
  const post = (path: string, body: string | Uint8Array, headers: Record<string, string>) =>
    send(`${base()}${path}`, { method: 'POST', headers, body });

  it('malformed JSON is 400 invalid_json', async () => {
    const res = await post('/v1/auth/session', '{"idToken": ', { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    expect(contractError(res)).toBe('invalid_json');
  });

  it('JSON that is not strict JSON (a bare string, body-parser would refuse it) is 400 invalid_request', async () => {
    const res = await post('/v1/auth/session', '"just a string"', { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    expect(contractError(res)).toBe('invalid_request');
  });

  it.each([
    ['text/plain', '{"idToken":"x"}'],
    ['application/x-www-form-urlencoded', 'idToken=x'],
    ['multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="idToken"\r\n\r\nx\r\n--b--\r\n'],
  ])('a %s body is 415 unsupported_media_type', async (type, body) => {
    const res = await post('/v1/auth/session', body, { 'content-type': type });
    expect(res.status).toBe(415);
    expect(contractError(res)).toBe('unsupported_media_type');
  });

  it('a compressed body is 415 unsupported_media_type', async () => {
    const res = await post('/v1/auth/session', gzipSync('{"idToken":"x"}'), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(415);
    expect(contractError(res)).toBe('unsupported_media_type');
  });

  it('a body over the limit (16 KiB) is 413 payload_too_large', async () => {
    const res = await post('/v1/auth/session', JSON.stringify({ idToken: 'x'.repeat(17 * 1024) }), { 'content-type': 'application/json' });
    expect(res.status).toBe(413);
    expect(contractError(res)).toBe('payload_too_large');
  });

  it('well-formed JSON reaches the route (a bad ID token is 401, not a parse error)', async () => {
    const res = await post('/v1/auth/session', '{"idToken":"not-a-token"}', { 'content-type': 'application/json; charset=utf-8' });
    expect(res.status).toBe(401);
    expect(contractError(res)).toBe('invalid_credential');
  });

  it('a signature covers the exact bytes sent: the same JSON re-serialized fails', async () => {
    const user = await createUser();
    const key = await createKey(user, { name: 'raw body' });
    const signingKey = { keyId: key.id, signingSecret: key.signingSecret };
    const url = `${base()}/v1/keys`;
    // Whitespace and key order a parser and re-serializer would lose.
    const bytes = '{ "scopes": [],\n  "name": "signed"  }';
    const signed = signRequest(signingKey, { method: 'POST', url, body: bytes, contentType: 'application/json' });
    const accepted = await post('/v1/keys', bytes, signed);
    // The signature holds, and key management still wants an interactive credential.
    expect(accepted.status).toBe(403);
    expect(contractError(accepted)).toBe('interactive_credential_required');

    const resigned = signRequest(signingKey, { method: 'POST', url, body: bytes, contentType: 'application/json' });
    const altered = await post('/v1/keys', JSON.stringify(JSON.parse(bytes)), resigned);
    expect(altered.status).toBe(401);
    expect(contractError(altered)).toBe('invalid_signature');
  });
});

describe('configuration on the Functions Framework', () => {
  it('a wrong setting stops the instance as it starts, naming the setting (so a deploy fails, not a request)', async () => {
    const started = startFunctionsFramework('api', { ...TEST_FUNCTIONS_ENV, KEYWARD_CACHE_TTL_MS: 'ten seconds' });
    await expect(started).rejects.toThrow(/exited[\s\S]*KEYWARD_CACHE_TTL_MS must be an integer/);
  });
});
