// Properties of the credential reader (functions/src/credentials/read.ts): headers, cookies and
// the query string in; one credential, nothing, or a contract error out.
import fc from 'fast-check';
import { statusOf } from '../../../functions/src/http/errors';
import { readCredential, type Credential } from '../../../functions/src/credentials/read';
import { formatKey, parseKey } from '../../../functions/src/keys/format';
import { BASE64URL, hostileString, resultOrApiError, validKey } from './arbitraries';

type Header = [string, string];
interface Req {
  headers: Header[];
  query: string;
  method: string;
}

function info({ headers, query, method }: Req) {
  const lower: Record<string, string> = {};
  for (const [k, v] of headers) lower[k.toLowerCase()] ??= v;
  return { rawHeaders: headers.flat(), headers: lower, method, rawQuery: query };
}

const b64 = (s: string, url: boolean) => Buffer.from(s).toString(url ? 'base64url' : 'base64');
const name = (n: string) => fc.mixedCase(fc.constant(n));

/** One credential, as a client may send it, and what the reader must make of it. */
interface Sent {
  headers: Header[];
  cookies: string[];
  query: string[];
  expected: Credential;
}

const keySent: fc.Arbitrary<Sent> = fc
  .tuple(validKey, fc.integer({ min: 0, max: 5 }), fc.boolean(), fc.mixedCase(fc.constantFrom('Bearer', 'ApiKey')))
  .chain(([key, form, url, scheme]) => {
    const text = formatKey(key);
    const expected: Credential = { kind: 'api_key', key };
    const sent = (headers: fc.Arbitrary<Header>[]) =>
      fc.tuple(...headers).map((h): Sent => ({ headers: h, cookies: [], query: [], expected }));
    switch (form) {
      case 0:
        return sent([fc.tuple(name('x-api-key'), fc.constant(text))]);
      case 1:
        return sent([fc.tuple(name('authorization'), fc.constant(`${scheme} ${text}`))]);
      case 2:
        return sent([fc.tuple(name('authorization'), fc.constant(`ApiKey ${b64(`${key.keyId}:${key.secret}`, url)}`))]);
      case 3:
        return sent([fc.tuple(name('x-api-key'), fc.constant(b64(key.keyId, url))), fc.tuple(name('x-api-secret'), fc.constant(b64(key.secret, url)))]);
      case 4:
        return sent([fc.tuple(name('authorization'), fc.constant(`apikey ${text}`))]);
      default:
        return sent([fc.tuple(name('x-api-key'), fc.constant(text))]);
    }
  });

const segment = fc.string({ unit: fc.constantFrom(...BASE64URL), minLength: 1, maxLength: 30 });
const jwtText = fc.tuple(segment, segment, segment).map((p) => p.join('.'));

const jwtSent: fc.Arbitrary<Sent> = fc
  .tuple(jwtText, fc.mixedCase(fc.constant('Bearer')), name('authorization'))
  .map(([token, scheme, header]) => ({
    headers: [[header, `${scheme} ${token}`]],
    cookies: [],
    query: [],
    expected: { kind: 'jwt', token, fromQuery: false },
  }));

const queryTokenSent: fc.Arbitrary<Sent> = jwtText.map((token) => ({
  headers: [],
  cookies: [],
  query: [`token=${token}`],
  expected: { kind: 'jwt', token, fromQuery: true },
}));

const signatureSent: fc.Arbitrary<Sent> = fc
  .tuple(fc.string({ unit: fc.constantFrom(...BASE64URL, '=', ',', ' '), minLength: 1, maxLength: 80 }), name('authorization'))
  .filter(([params]) => params.trim() !== '')
  .map(([params, header]) => ({
    headers: [[header, `Keyward-HMAC-SHA256 ${params}`]],
    cookies: [],
    query: [],
    expected: { kind: 'signature', header: params.trim() },
  }));

const sessionSent: fc.Arbitrary<Sent> = jwtText.map((cookie) => ({
  headers: [],
  cookies: [`__session=${cookie}`],
  query: [],
  expected: { kind: 'session', cookie },
}));

const oneCredential = fc.oneof(keySent, jwtSent, queryTokenSent, signatureSent, sessionSent);

/** A credential-shaped thing with a hostile value: it counts as one credential whatever it holds. */
const hostileCredential: fc.Arbitrary<Sent> = fc
  .tuple(fc.integer({ min: 0, max: 4 }), hostileString(60), fc.constantFrom('Bearer ', 'ApiKey ', 'Basic ', 'Keyward-HMAC-SHA256 ', ''))
  .map(([form, value, scheme]) => {
    const v = value.replace(/;/g, '');
    const sent: Omit<Sent, 'expected'> =
      form === 0
        ? { headers: [['Authorization', scheme + value]], cookies: [], query: [] }
        : form === 1
          ? { headers: [['X-API-Key', value]], cookies: [], query: [] }
          : form === 2
            ? { headers: [['X-API-Key', value], ['X-API-Secret', value]], cookies: [], query: [] }
            : form === 3
              ? { headers: [], cookies: [`__session=${v}`], query: [] }
              : { headers: [], cookies: [], query: [new URLSearchParams({ token: value }).toString()] };
    return { ...sent, expected: { kind: 'session', cookie: '(unknown)' } };
  });

/** Headers, cookies and parameters that are not credentials. */
const noiseName = fc.mixedCase(fc.constantFrom('accept', 'x-api-keys', 'x-authorization', 'user-agent', 'x-forwarded-for', 'cookie2', 'origin'));
const noiseHeader: fc.Arbitrary<Header> = fc.tuple(noiseName, hostileString(30));
const cookieName = fc.oneof(fc.constantFrom('a', '_session', '__Session', '__session_', 'session', '__sess'), fc.string({ unit: fc.constantFrom(...BASE64URL), maxLength: 10 }));
const noiseCookie = fc
  .tuple(cookieName, fc.string({ unit: fc.constantFrom(...BASE64URL, '.', '='), maxLength: 20 }))
  .filter(([n]) => n.trim() !== '__session')
  .map(([n, v]) => `${n}=${v}`);
const noiseParam = fc
  .tuple(fc.constantFrom('page', 'q', 'token_type', 'keys', 'x'), fc.string({ unit: fc.constantFrom(...BASE64URL, '.'), maxLength: 20 }))
  .filter(([, v]) => !/^(server|web|mobile)_/.test(v))
  .map(([n, v]) => `${n}=${v}`);
const noise = fc.record({
  headers: fc.array(noiseHeader, { maxLength: 4 }),
  cookies: fc.array(noiseCookie, { maxLength: 3 }),
  query: fc.array(noiseParam, { maxLength: 3 }),
});

/** Puts credentials and noise together in a random order: cookies in one or several Cookie headers. */
function assemble(parts: Omit<Sent, 'expected'>[], splitCookies: boolean, method = 'GET'): fc.Arbitrary<Req> {
  const headers = parts.flatMap((p) => p.headers);
  const cookies = parts.flatMap((p) => p.cookies);
  const query = parts.flatMap((p) => p.query);
  return fc.tuple(fc.shuffledSubarray(headers, { minLength: headers.length }), fc.shuffledSubarray(cookies, { minLength: cookies.length }), fc.shuffledSubarray(query, { minLength: query.length }), name('cookie')).map(
    ([h, c, q, cookieHeader]) => {
      const cookieHeaders: Header[] = c.length === 0 ? [] : splitCookies ? c.map((one) => [cookieHeader, one]) : [[cookieHeader, c.join('; ')]];
      return { headers: [...h, ...cookieHeaders], query: q.join('&'), method };
    },
  );
}

function checkInvariants(req: Req, credential: Credential | undefined) {
  if (credential === undefined) return;
  switch (credential.kind) {
    case 'api_key':
      expect(parseKey(formatKey(credential.key))).toEqual(credential.key);
      break;
    case 'jwt':
      if (credential.fromQuery) {
        expect(req.method === 'GET' || info(req).headers.upgrade?.toLowerCase() === 'websocket').toBe(true);
      } else {
        expect(credential.token.split('.')).toHaveLength(3);
      }
      expect(credential.token.length).toBeLessThanOrEqual(8192);
      break;
    case 'signature':
      expect(credential.header.length).toBeGreaterThan(0);
      expect(credential.header.length).toBeLessThanOrEqual(8192);
      break;
    case 'session':
      expect(credential.cookie.length).toBeLessThanOrEqual(8192);
      break;
  }
}

/** How many credentials a request carries, counted independently of the reader. */
function credentialCount(req: Req): number {
  const named = (n: string) => req.headers.filter(([k]) => k.toLowerCase() === n);
  const sessions = named('cookie')
    .flatMap(([, v]) => v.split(';'))
    .filter((c) => c.includes('=') && c.slice(0, c.indexOf('=')).trim() === '__session').length;
  const tokens = new URLSearchParams(req.query).getAll('token').length;
  return named('authorization').length + named('x-api-key').length + sessions + tokens;
}

describe('readCredential (property)', () => {
  const anyName = fc.mixedCase(
    fc.constantFrom('authorization', 'x-api-key', 'x-api-secret', 'cookie', 'upgrade', 'accept', 'x-api-keys', 'authorization '),
  );
  const anyValue = fc.oneof(
    hostileString(60),
    hostileString(20).map((v) => `__session=${v}`),
    fc.tuple(fc.constantFrom('Bearer ', 'ApiKey ', 'Basic ', 'Keyward-HMAC-SHA256 ', 'bearer  '), hostileString(60)).map(([s, v]) => s + v),
    validKey.map(formatKey),
    fc.constantFrom('websocket', 'a'.repeat(9000)),
  );
  const anyRequest: fc.Arbitrary<Req> = fc.record({
    headers: fc.array(fc.tuple(anyName, anyValue), { maxLength: 5 }),
    query: fc.oneof(hostileString(60), fc.constantFrom('', 'token=a.b.c', 'token=a&token=b', 'x=server_abc', 'API_KEY=1')),
    method: fc.constantFrom('GET', 'POST', 'DELETE', 'get'),
  });

  it('never throws anything but an KeywardError on arbitrary headers, and never returns a credential from a request with two', () => {
    fc.assert(
      fc.property(anyRequest, (req) => {
        const r = resultOrApiError(() => readCredential(info(req)));
        if (!r.ok) {
          expect(['invalid_credential', 'multiple_credentials', 'credential_in_url']).toContain(r.error.code);
          expect(statusOf(r.error)).toBeLessThan(500);
          return;
        }
        expect(credentialCount(req)).toBeLessThanOrEqual(1);
        if (r.value === undefined) expect(credentialCount(req)).toBe(0);
        checkInvariants(req, r.value);
      }),
      { numRuns: 1000 },
    );
  });

  it('reads back exactly the one credential a request carries, among any noise, however the header names are cased', () => {
    fc.assert(
      fc.property(
        fc.tuple(oneCredential, noise, fc.boolean()).chain(([sent, n, split]) => fc.tuple(fc.constant(sent), assemble([sent, n], split))),
        ([sent, req]) => {
          expect(readCredential(info(req))).toEqual(sent.expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('returns nothing for a request that carries only noise', () => {
    fc.assert(
      fc.property(
        fc.tuple(noise, fc.boolean()).chain(([n, split]) => assemble([n], split)),
        (req) => {
          expect(readCredential(info(req))).toBeUndefined();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses any two credentials, valid or not, however they are combined', () => {
    const any = fc.oneof(oneCredential, hostileCredential);
    fc.assert(
      fc.property(
        fc
          .tuple(fc.array(any, { minLength: 2, maxLength: 4 }), noise, fc.boolean(), fc.constantFrom('GET', 'POST'))
          .chain(([sent, n, split, method]) => assemble([...sent, n], split, method)),
        (req) => {
          const r = resultOrApiError(() => readCredential(info(req)));
          expect(r.ok).toBe(false);
          // A hostile `?token=` value may look like a key: then the URL rule speaks first.
          if (!r.ok) expect(['multiple_credentials', 'credential_in_url']).toContain(r.error.code);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses a single malformed credential with a contract error, never a guess', () => {
    fc.assert(
      fc.property(
        fc.tuple(hostileCredential, fc.constantFrom('GET', 'POST')).chain(([sent, method]) => assemble([sent], false, method)),
        (req) => {
          const r = resultOrApiError(() => readCredential(info(req)));
          if (r.ok) {
            expect(r.value).toBeDefined();
            checkInvariants(req, r.value);
          } else {
            expect(['invalid_credential', 'credential_in_url', 'multiple_credentials']).toContain(r.error.code);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses a request with an API key anywhere in its query string, whatever else it carries', () => {
    const inQuery = fc.tuple(validKey, fc.constantFrom('api_key', 'apikey', 'KEY', 'x-api-key', 'q', 'secret', 'anything')).map(([key, n]) => `${n}=${formatKey(key)}`);
    fc.assert(
      fc.property(
        fc
          .tuple(fc.option(oneCredential, { nil: undefined }), noise, inQuery)
          .chain(([sent, n, q]) => assemble([...(sent ? [sent] : []), n, { headers: [], cookies: [], query: [q] }], false)),
        (req) => {
          const r = resultOrApiError(() => readCredential(info(req)));
          expect(r.ok ? 'ok' : r.error.code).toBe('credential_in_url');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('accepts ?token= only on GET and WebSocket upgrades', () => {
    fc.assert(
      fc.property(queryTokenSent, fc.constantFrom('POST', 'PUT', 'DELETE', 'PATCH', 'get'), fc.boolean(), (sent, method, upgrade) => {
        const req: Req = { headers: upgrade ? [['Upgrade', 'WebSocket']] : [], query: sent.query.join('&'), method };
        const r = resultOrApiError(() => readCredential(info(req)));
        if (upgrade) expect(r.ok && r.value).toEqual(sent.expected);
        else expect(r.ok ? 'ok' : r.error.code).toBe('credential_in_url');
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a well-formed key sent with any single character changed, in every form', () => {
    fc.assert(
      fc.property(keySent, fc.nat(), fc.constantFrom('A', 'z', '0', '_', '='), (sent, at, ch) => {
        const [header, value] = sent.headers[0]!;
        const start = value.indexOf(' ') + 1; // after the scheme, if any
        const i = start + (at % (value.length - start));
        fc.pre(value[i] !== ch && sent.headers.length === 1);
        const changed = value.slice(0, i) + ch + value.slice(i + 1);
        const r = resultOrApiError(() => readCredential(info({ headers: [[header, changed]], query: '', method: 'GET' })));
        if (r.ok) {
          // Base64 can spell the same bytes twice (unused low bits of the last character): then it is the same key.
          expect(r.value).toEqual(sent.expected);
        } else {
          expect(r.error.code).toBe('invalid_credential');
        }
      }),
      { numRuns: 500 },
    );
  });
});
