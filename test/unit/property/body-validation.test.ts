// Properties of the request-body parsers: JSON bodies (functions/src/http/body.ts), the allow-list
// validators (functions/src/lib/validate.ts) and the session endpoints' inputs (functions/src/sessions/cookie.ts).
import fc from 'fast-check';
import { parseJsonObject } from '../../../functions/src/http/body';
import { onlyFields, optionalInt, optionalString, optionalStringList, requiredString, type Body } from '../../../functions/src/lib/validate';
import { parseAllFlag, parseSessionRequest, sessionSetCookie } from '../../../functions/src/sessions/cookie';
import { BASE64URL, hostileString, resultOrApiError } from './arbitraries';

/** Bodies as JSON.parse can make them (own `__proto__` keys included), and odder values besides. */
const value: fc.Arbitrary<unknown> = fc.oneof(fc.jsonValue(), hostileString(20), fc.anything({ maxDepth: 2 }));
const key = fc.oneof(fc.constantFrom('name', 'idToken', 'expiresIn', 'scopes', '__proto__', 'constructor', 'toString', 'hasOwnProperty', ''), hostileString(10));
const body: fc.Arbitrary<Body> = fc.oneof(
  fc.dictionary(key, value, { maxKeys: 5 }),
  fc.jsonValue().map((v) => JSON.parse(JSON.stringify({ name: v, idToken: v })) as Body),
  fc.constantFrom('{"__proto__": {"admin": true}}', '{"constructor": {"prototype": {}}}', '{"name": "x", "name": "y"}').map((t) => JSON.parse(t) as Body),
);

describe('validate.ts (property)', () => {
  it('onlyFields refuses exactly the bodies with a field outside the list', () => {
    const allowed = fc.subarray(['name', 'idToken', 'expiresIn', 'scopes', '__proto__', 'toString']);
    fc.assert(
      fc.property(body, allowed, (b, list) => {
        const extra = Object.keys(b).filter((k) => !list.includes(k));
        const r = resultOrApiError(() => onlyFields(b, list));
        expect(r.ok).toBe(extra.length === 0);
        if (!r.ok) {
          expect(r.error.code).toBe('invalid_request');
          expect(r.error.message.length).toBeLessThan(300); // field names are cut, however long
        }
      }),
      { numRuns: 500 },
    );
  });

  it('string, integer and list readers return a value within their limits or refuse with 400, whatever the body holds', () => {
    const limits = fc.record({ min: fc.integer({ min: 0, max: 5 }), max: fc.integer({ min: 5, max: 30 }), pattern: fc.constantFrom(undefined, /^[a-z ]*$/) });
    fc.assert(
      fc.property(body, fc.constantFrom('name', 'idToken', 'scopes', '__proto__'), limits, (b, field, { min, max, pattern }) => {
        const s = resultOrApiError(() => optionalString(b, field, { min, max, pattern }));
        if (s.ok && s.value !== undefined) {
          expect(typeof s.value).toBe('string');
          expect(s.value.length >= min && s.value.length <= max).toBe(true);
          if (pattern) expect(s.value).toMatch(pattern);
        }
        if (!s.ok) expect(s.error.code).toBe('invalid_request');

        const req = resultOrApiError(() => requiredString(b, field, { max }));
        if (req.ok) expect(typeof req.value === 'string' && req.value.length >= 1 && req.value.length <= max).toBe(true);
        else expect(req.error.code).toBe('invalid_request');

        const n = resultOrApiError(() => optionalInt(b, field, min, max));
        if (n.ok && n.value !== undefined) expect(Number.isInteger(n.value) && n.value >= min && n.value <= max).toBe(true);
        if (!n.ok) expect(n.error.code).toBe('invalid_request');

        const list = resultOrApiError(() => optionalStringList(b, field, { maxItems: 3, maxLength: max, check: (x) => !x.includes('"') }));
        if (list.ok && list.value !== undefined) {
          expect(list.value.length).toBeLessThanOrEqual(3);
          expect(new Set(list.value).size).toBe(list.value.length);
          for (const x of list.value) expect(typeof x === 'string' && x.length >= 1 && x.length <= max && !x.includes('"')).toBe(true);
        }
        if (!list.ok) expect(list.error.code).toBe('invalid_request');
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
