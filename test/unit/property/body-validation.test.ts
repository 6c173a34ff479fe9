// Properties of the request-body parsers: JSON bodies (functions/src/http/body.ts), the contract's
// request schemas (functions/src/contract/requests.ts) and the session endpoints' inputs (actions/sessions.ts).
import fc from 'fast-check';
import { parseJsonObject } from '../../../functions/src/http/body';
import { parseRequest } from '../../../functions/src/contract/parse';
import type { Body } from '../../../functions/src/request';
import { parseAllFlag, sessionSetCookie } from '../../../functions/src/sessions/cookie';
import { parseSessionRequest } from '../../../functions/src/actions/sessions';
import { BASE64URL, hostileString, resultOrApiError } from './arbitraries';

/** Bodies as JSON.parse can make them (own `__proto__` keys included), and odder values besides. */
const value: fc.Arbitrary<unknown> = fc.oneof(fc.jsonValue(), hostileString(20), fc.anything({ maxDepth: 2 }));
const key = fc.oneof(fc.constantFrom('name', 'idToken', 'expiresIn', 'scopes', '__proto__', 'constructor', 'toString', 'hasOwnProperty', ''), hostileString(10));
const body: fc.Arbitrary<Body> = fc.oneof(
  fc.dictionary(key, value, { maxKeys: 5 }),
  fc.jsonValue().map((v) => JSON.parse(JSON.stringify({ name: v, idToken: v })) as Body),
  fc.constantFrom('{"__proto__": {"admin": true}}', '{"constructor": {"prototype": {}}}', '{"name": "x", "name": "y"}').map((t) => JSON.parse(t) as Body),
);

describe('contract request schemas (property)', () => {
  const CREATE_FIELDS = ['name', 'type', 'scopes', 'expiresAt', 'allowedOrigins', 'allowedIps', 'appCheck', 'metadata', 'limits', 'credits'];
  const createBody: fc.Arbitrary<Body> = fc.oneof(
    body,
    fc.record(
      {
        name: fc.oneof(fc.string({ maxLength: 120 }), hostileString(20), fc.jsonValue()),
        type: fc.oneof(fc.constantFrom('server', 'web', 'mobile', 'admin'), fc.jsonValue()),
        scopes: fc.oneof(fc.array(fc.oneof(fc.stringMatching(/^[a-z:]{1,10}$/), hostileString(8)), { maxLength: 60 }), fc.jsonValue()),
        allowedIps: fc.oneof(fc.array(fc.constantFrom('10.0.0.0/8', '192.0.2.1', '10.1', '::1', ''), { maxLength: 3 }), fc.jsonValue()),
        gracePeriod: fc.integer(),
      },
      { requiredKeys: [] },
    ),
  );

  it('a create body is refused with 400 and the JSON pointer of a field it holds, or read within every limit', () => {
    fc.assert(
      fc.property(createBody, (b) => {
        const r = resultOrApiError(() => parseRequest('keyCreate', b));
        if (!r.ok) {
          expect(r.error.code).toBe('invalid_request');
          expect(r.error.message.length).toBeLessThan(300); // field names and entries are cut, however long
          const top = r.error.details.field?.split('/')[1]?.replace(/~1/g, '/').replace(/~0/g, '~');
          // The field named is one the body holds, or the one it lacks (name), or what a web key needs.
          expect(top === undefined || Object.prototype.hasOwnProperty.call(b, top) || top === 'name' || top === 'allowedOrigins').toBe(true);
          if (Object.keys(b).some((k) => !CREATE_FIELDS.includes(k))) expect(CREATE_FIELDS).not.toContain(top); // unknown fields first
          return;
        }
        const v = r.value;
        expect(Object.keys(b).every((k) => CREATE_FIELDS.includes(k))).toBe(true);
        expect(typeof v.name === 'string' && v.name.length >= 1 && v.name.length <= 100).toBe(true);
        expect(v.type === undefined || ['server', 'web', 'mobile'].includes(v.type)).toBe(true);
        if (v.scopes) for (const x of v.scopes) expect(x).toMatch(/^[A-Za-z0-9_.:-]{1,64}$/);
        expect((v.scopes ?? []).length).toBeLessThanOrEqual(50);
        // Nothing comes out that was not sent (no defaults, no prototype keys).
        for (const k of Object.keys(v)) expect(Object.prototype.hasOwnProperty.call(b, k)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('a regeneration takes only a grace period of 0 to 604800 seconds', () => {
    fc.assert(
      fc.property(createBody, (b) => {
        const r = resultOrApiError(() => parseRequest('regenerate', b));
        const grace = (b as { gracePeriod?: unknown }).gracePeriod;
        const fine = Object.keys(b).every((k) => k === 'gracePeriod') && (grace === undefined || (Number.isInteger(grace) && (grace as number) >= 0 && (grace as number) <= 604_800));
        expect(r.ok).toBe(fine);
        if (!r.ok) expect([r.error.code, r.error.details.field?.length ? 'field' : 'none']).toEqual(['invalid_request', 'field']);
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseJsonObject (property)', () => {
  const contentType = fc.oneof(
    fc.constantFrom('application/json', 'Application/JSON; charset=utf-8', ' application/json ', 'text/plain', 'application/x-www-form-urlencoded', 'application/json5', undefined),
    hostileString(20),
  );
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
    fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? '')),
    hostileString(40).map((s) => Buffer.from(s)),
    fc.constantFrom('{"__proto__": {"admin": true}}', '{"a":1}garbage', '\uFEFF{}', ' {} ', '[]', 'null', '{"a":').map((s) => Buffer.from(s)),
  );

  it('returns a plain JSON object or refuses with a 4xx contract error, for any bytes and content type', () => {
    fc.assert(
      fc.property(bytes, contentType, (b, type) => {
        const r = resultOrApiError(() => parseJsonObject(b, type));
        if (!r.ok) {
          expect(['unsupported_media_type', 'invalid_json', 'invalid_request']).toContain(r.error.code);
          return;
        }
        expect(typeof r.value === 'object' && r.value !== null && !Array.isArray(r.value)).toBe(true);
        if (b.length > 0) expect((type ?? '').split(';')[0]!.trim().toLowerCase()).toBe('application/json');
        // JSON.parse keeps `__proto__` as an own key and never touches the prototype.
        expect(Object.getPrototypeOf(r.value)).toBe(Object.prototype);
        expect(({} as Record<string, unknown>).admin).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });
});

describe('session inputs (property)', () => {
  const rules = { defaultExpiresIn: 3600, minExpiresIn: 300, maxExpiresIn: 1_209_600, recentSignInSeconds: 300 };

  it('parseSessionRequest yields an id token and a lifetime within the rules, or refuses with 400', () => {
    const sessionBody = fc.oneof(
      body,
      fc.record(
        { idToken: fc.oneof(hostileString(30), fc.constant('a'.repeat(8193)), fc.jsonValue()), expiresIn: fc.oneof(fc.integer({ min: 0, max: 2_000_000 }), fc.double(), fc.jsonValue()) },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(sessionBody, (b) => {
        const r = resultOrApiError(() => parseSessionRequest(b, rules));
        if (!r.ok) {
          expect(r.error.code).toBe('invalid_request');
          return;
        }
        expect(Object.keys(b).every((k) => k === 'idToken' || k === 'expiresIn')).toBe(true);
        expect(typeof r.value.idToken === 'string' && r.value.idToken.length >= 1 && r.value.idToken.length <= 8192).toBe(true);
        expect(Number.isInteger(r.value.expiresIn)).toBe(true);
        expect(r.value.expiresIn >= rules.minExpiresIn && r.value.expiresIn <= rules.maxExpiresIn).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('parseAllFlag is true only for a single all=true, false when absent or a single all=false, and 400 otherwise', () => {
    const query = fc.oneof(
      hostileString(40),
      fc.array(fc.tuple(fc.constantFrom('all', 'All', 'all ', 'x'), fc.constantFrom('true', 'false', 'TRUE', '1', '', 'true ')), { maxLength: 3 }).map((p) => new URLSearchParams(p).toString()),
    );
    fc.assert(
      fc.property(query, (qs) => {
        const params = new URLSearchParams(qs);
        const values = params.getAll('all');
        const r = resultOrApiError(() => parseAllFlag(params));
        if (values.length === 0) expect(r.ok && r.value).toBe(false);
        else if (values.length === 1 && values[0] === 'true') expect(r.ok && r.value).toBe(true);
        else if (values.length === 1 && values[0] === 'false') expect(r.ok && r.value === false).toBe(true);
        else expect(r.ok ? r.value : r.error.code).toBe('invalid_request');
      }),
      { numRuns: 500 },
    );
  });

  it('sessionSetCookie puts only a JWT-shaped value in the header: no value can add an attribute or a header', () => {
    const part = (minLength: number) => fc.string({ unit: fc.constantFrom(...BASE64URL), minLength, maxLength: 20 });
    const jwtLike = fc.tuple(part(1), part(1), part(0)).map((p) => p.join('.'));
    fc.assert(
      fc.property(fc.oneof(jwtLike, hostileString(40), jwtLike.chain((j) => hostileString(4).map((h) => j + h))), fc.integer({ min: 0, max: 1_209_600 }), fc.boolean(), (v, maxAge, secure) => {
        let header: string;
        try {
          header = sessionSetCookie(v, maxAge, secure);
        } catch {
          expect(v).not.toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/);
          return;
        }
        expect(header).toBe(`__session=${v}; Max-Age=${maxAge}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`);
        expect(header.split(';')).toHaveLength(secure ? 6 : 5);
        expect(v).toMatch(/^[A-Za-z0-9_.-]+$/); // no `;`, `,`, space, CR or LF: nothing to start another attribute or header
      }),
      { numRuns: 500 },
    );
  });
});
