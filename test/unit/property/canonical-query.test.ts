// Properties of what signed requests sign: the canonical query (functions/src/signing/canonical-query.ts),
// the normalized parameters of signed token requests (params.ts) and the string to sign (string-to-sign.ts).
import fc from 'fast-check';
import { canonicalQuery, encodeRfc3986 } from '../../../functions/src/signing/canonical-query';
import { normalizedParameters, parameterText, SIGNATURE_PARAM } from '../../../functions/src/signing/params';
import { stringToSign } from '../../../functions/src/signing/string-to-sign';
import { BASE62, hostileString } from './arbitraries';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const wellFormed = (s: string) => s.replace(LONE_SURROGATE, '\uFFFD');
const pairsOf = (rawQuery: string) => [...new URLSearchParams(rawQuery)];

/** Query strings as a sender might write them: hostile text, and pairs with every kind of escape. */
const rawQuery = fc.oneof(
  hostileString(80),
  fc
    .array(fc.tuple(hostileString(12), hostileString(12), fc.boolean()), { maxLength: 6 })
    .map((pairs) => pairs.map(([n, v, eq]) => (eq ? `${n}=${v}` : n)).join('&')),
);

/** One of the ways a client may spell a name or value on the wire. */
const spellings: Record<string, (s: string) => string> = {
  rfc3986: encodeRfc3986,
  form: (s) => new URLSearchParams([['', s]]).toString().slice(1),
  uri: (s) => encodeURIComponent(wellFormed(s)),
  everyByte: (s) => [...Buffer.from(wellFormed(s), 'utf8')].map((b) => '%' + b.toString(16).padStart(2, '0')).join(''),
  lowerHex: (s) => encodeRfc3986(s).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
  // Only what the form syntax needs escaped (`?` too: a leading one is dropped), everything else raw.
  minimal: (s) => wellFormed(s).replace(/[%&=+?]/g, (c) => '%' + c.charCodeAt(0).toString(16)),
};
const spelling = fc.constantFrom(...Object.keys(spellings));

const OUTPUT = /^(?:[A-Za-z0-9\-_.~]|%[0-9A-F]{2})*=(?:[A-Za-z0-9\-_.~]|%[0-9A-F]{2})*$/;

describe('canonicalQuery (property)', () => {
  it('never throws, and yields sorted name=value pairs of unreserved characters and upper-case escapes only', () => {
    fc.assert(
      fc.property(rawQuery, (raw) => {
        const canonical = canonicalQuery(raw);
        if (canonical === '') {
          expect(pairsOf(raw)).toEqual([]);
          return;
        }
        const pairs = canonical.split('&');
        for (const pair of pairs) expect(pair).toMatch(OUTPUT);
        expect(pairs).toHaveLength(pairsOf(raw).length);
        const keys = pairs.map((p) => p.split('='));
        const sorted = [...keys].sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : a[1]! < b[1]! ? -1 : a[1]! > b[1]! ? 1 : 0));
        expect(keys).toEqual(sorted);
      }),
      { numRuns: 500 },
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(rawQuery, (raw) => {
        const once = canonicalQuery(raw);
        expect(canonicalQuery(once)).toBe(once);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps exactly the pairs the application reads (URLSearchParams), as a multiset', () => {
    // The handlers read the query with URLSearchParams too (http/handler.ts): what is signed is what is used.
    const sortPairs = (p: [string, string][]) => p.map(([n, v]) => JSON.stringify([n, v])).sort();
    fc.assert(
      fc.property(rawQuery, (raw) => {
        expect(sortPairs(pairsOf(canonicalQuery(raw)))).toEqual(sortPairs(pairsOf(raw)));
      }),
      { numRuns: 500 },
    );
  });

  it('depends only on the pairs: not on their order, nor on how each name and value is percent-encoded', () => {
    fc.assert(
      fc.property(
        rawQuery.chain((raw) => {
          const pairs = pairsOf(raw);
          return fc.tuple(
            fc.constant(raw),
            fc.shuffledSubarray(pairs, { minLength: pairs.length }),
            fc.array(fc.tuple(spelling, spelling), { minLength: pairs.length, maxLength: pairs.length }),
          );
        }),
        ([raw, shuffled, how]) => {
          const respelled = shuffled.map(([n, v], i) => `${spellings[how[i]![0]]!(n)}=${spellings[how[i]![1]]!(v)}`).join('&');
          expect(canonicalQuery(respelled)).toBe(canonicalQuery(raw));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('tells apart queries whose pairs differ', () => {
    fc.assert(
      fc.property(rawQuery, fc.oneof(rawQuery, rawQuery.map((q) => q.split('&').reverse().join('&'))), (a, b) => {
        const key = (raw: string) => JSON.stringify(pairsOf(raw).map((p) => JSON.stringify(p)).sort());
        const same = key(a) === key(b);
        expect(canonicalQuery(a) === canonicalQuery(b)).toBe(same);
      }),
      { numRuns: 500 },
    );
  });
});

describe('encodeRfc3986 (property)', () => {
  it('never throws, leaves only unreserved characters and escapes, and decodes back (lone surrogates as U+FFFD)', () => {
    fc.assert(
      fc.property(hostileString(60), (s) => {
        const encoded = encodeRfc3986(s);
        expect(encoded).toMatch(/^(?:[A-Za-z0-9\-_.~]|%[0-9A-F]{2})*$/);
        expect(decodeURIComponent(encoded)).toBe(wellFormed(s));
      }),
      { numRuns: 500 },
    );
  });
});

describe('normalizedParameters (property)', () => {
  const FIELDS = ['key_id', 'nonce', 'timestamp', 'expires_in', 'scope', 'api_key'] as const;
  const params = fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS, SIGNATURE_PARAM), hostileString(8)), hostileString(20), { maxKeys: 8 });

  it('does not depend on the order the parameters came in, and never includes the signature', () => {
    fc.assert(
      fc.property(
        params.chain((p) => fc.tuple(fc.constant(p), fc.shuffledSubarray(Object.keys(p), { minLength: Object.keys(p).length }))),
        ([p, order]) => {
          // Null prototypes: `__proto__` is a parameter name like any other.
          const reordered = Object.create(null) as Record<string, string>;
          const unsigned = Object.create(null) as Record<string, string>;
          for (const k of order) reordered[k] = p[k]!;
          for (const k of order) if (k !== SIGNATURE_PARAM) unsigned[k] = p[k]!;
          const text = normalizedParameters(p);
          expect(normalizedParameters(reordered)).toBe(text);
          expect(normalizedParameters(unsigned)).toBe(text);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('is injective over the values a signed token request can carry (they hold no & or =)', () => {
    // The values are not encoded, so the string is unambiguous only because every signed field is
    // validated first (actions/tokens.ts): key ids, nonces, timestamps, expires_in and scopes.
    const value = fc.string({ unit: fc.constantFrom(...BASE62, '_', '-', '.', ':', ' '), maxLength: 12 });
    const signed = fc.record(
      { key_id: value, nonce: value, timestamp: value, signature: value, expires_in: value, scope: value },
      { requiredKeys: ['key_id', 'nonce', 'timestamp', 'signature'] },
    );
    fc.assert(
      fc.property(signed, signed, (a, b) => {
        const strip = (p: Record<string, string | undefined>) => JSON.stringify(Object.entries(p).filter(([k, v]) => k !== SIGNATURE_PARAM && v !== undefined).sort());
        expect(normalizedParameters(a as Record<string, string>) === normalizedParameters(b as Record<string, string>)).toBe(strip(a) === strip(b));
      }),
      { numRuns: 500 },
    );
  });
});

describe('parameterText (property)', () => {
  it('gives text only for strings and safe integers, and integers read back exactly', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.double(), fc.integer(), fc.maxSafeInteger(), fc.bigInt()), (value) => {
        const text = parameterText(value);
        if (typeof value === 'string') expect(text).toBe(value);
        else if (typeof value === 'number' && Number.isSafeInteger(value)) {
          expect(text).toMatch(/^-?(0|[1-9][0-9]*)$/);
          expect(Number(text)).toBe(value === 0 ? 0 : value); // -0 signs as 0
        } else expect(text).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });
});

describe('stringToSign (property)', () => {
  it('signs the Content-Type as its own line, before on-behalf-of: no two requests that differ in it sign the same text', () => {
    const headerValue = fc.string({ unit: fc.constantFrom(...BASE62, '/', ';', '=', ' ', '\t', '-', '+', '"', ':', '.'), maxLength: 30 });
    const ows = /^[ \t]+|[ \t]+$/g;
    fc.assert(
      fc.property(fc.option(headerValue, { nil: undefined }), fc.option(headerValue, { nil: undefined }), fc.option(fc.constantFrom('u1', 'u2'), { nil: undefined }), (a, b, onBehalfOf) => {
        const base = { timestamp: '1', nonce: 'n', method: 'POST', path: '/p', rawQuery: '', bodySha256: 'e3b0', onBehalfOf };
        const lines = stringToSign({ ...base, contentType: a }).split('\n');
        expect(lines).toHaveLength(7 + (a === undefined ? 0 : 1) + (onBehalfOf === undefined ? 0 : 1));
        if (a !== undefined) expect(lines[7]).toBe(`content-type:${a.replace(ows, '')}`);
        if (onBehalfOf !== undefined) expect(lines[lines.length - 1]).toBe(`on-behalf-of:${onBehalfOf}`);
        const same = a === b || (a !== undefined && b !== undefined && a.replace(ows, '') === b.replace(ows, ''));
        expect(stringToSign({ ...base, contentType: a }) === stringToSign({ ...base, contentType: b })).toBe(same);
      }),
      { numRuns: 500 },
    );
  });

  it('has a fixed number of lines whatever the query holds, and follows the canonical query', () => {
    const line = fc.string({ unit: fc.constantFrom(...BASE62, '/', '-', '_', '.'), maxLength: 20 });
    fc.assert(
      fc.property(line, line, fc.constantFrom('GET', 'post', 'Delete'), line, rawQuery, fc.option(line, { nil: undefined }), (timestamp, nonce, method, path, raw, onBehalfOf) => {
        const text = stringToSign({ timestamp, nonce, method, path, rawQuery: raw, bodySha256: 'e3b0', onBehalfOf });
        const lines = text.split('\n');
        expect(lines).toHaveLength(onBehalfOf === undefined ? 7 : 8);
        expect(lines[3]).toBe(method.toUpperCase());
        expect(lines[5]).toBe(canonicalQuery(raw));
        expect(stringToSign({ timestamp, nonce, method, path, rawQuery: canonicalQuery(raw), bodySha256: 'e3b0', onBehalfOf })).toBe(text);
      }),
      { numRuns: 500 },
    );
  });
});
