// Properties of the signed-request header and its grammar (functions/src/signing/header.ts, grammar.ts).
import fc from 'fast-check';
import { readCredential } from '../../../functions/src/credentials/read';
import { isFresh, KEY_ID_TOKEN, NONCE_PATTERN, SIGNATURE_PATTERN, TIMESTAMP_PATTERN } from '../../../functions/src/signing/grammar';
import {
  formatSignatureHeader,
  MAX_SIGNATURE_HEADER_LENGTH,
  parseSignatureHeader,
  SIGNATURE_SCHEME,
  type SignatureHeader,
} from '../../../functions/src/signing/header';
import { BASE62, hostileString, hostileUnit, replaceAt } from './arbitraries';

const NAMES = ['Credential', 'Timestamp', 'Nonce', 'Signature'] as const;
const FIELD = { Credential: 'keyId', Timestamp: 'timestamp', Nonce: 'nonce', Signature: 'signature' } as const;

const chars = (alphabet: string, minLength: number, maxLength: number) => fc.string({ unit: fc.constantFrom(...alphabet), minLength, maxLength });
const validHeader: fc.Arbitrary<SignatureHeader> = fc.record({
  keyId: chars(BASE62, 1, 64),
  timestamp: chars('0123456789', 1, 12),
  nonce: chars(BASE62 + '_-', 16, 64),
  signature: chars('0123456789abcdef', 64, 64),
});

/** The parameters (what follows the scheme and a space) in a given order, with `,` or `, ` between them. */
function params(h: SignatureHeader, order: readonly (typeof NAMES)[number][], separators: boolean[]): string {
  return order.map((n, i) => (i === 0 ? '' : separators[i] ? ', ' : ',') + `${n}=${h[FIELD[n]]}`).join('');
}

const arrangement = fc.tuple(fc.shuffledSubarray([...NAMES], { minLength: 4, maxLength: 4 }), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }));
const stripScheme = (header: string) => header.slice(SIGNATURE_SCHEME.length + 1);

describe('parseSignatureHeader (property)', () => {
  it('round-trips formatSignatureHeader', () => {
    fc.assert(
      fc.property(validHeader, (h) => {
        const text = formatSignatureHeader(h);
        expect(text.startsWith(`${SIGNATURE_SCHEME} `)).toBe(true);
        expect(parseSignatureHeader(stripScheme(text))).toEqual({ ok: true, value: h });
      }),
      { numRuns: 500 },
    );
  });

  it('accepts the four parameters in any order, with `,` or `, ` between them', () => {
    fc.assert(
      fc.property(validHeader, arrangement, (h, [order, separators]) => {
        expect(parseSignatureHeader(params(h, order, separators))).toEqual({ ok: true, value: h });
      }),
      { numRuns: 500 },
    );
  });

  it('never throws, and accepts only values of the specified shapes, which re-format to an equal header', () => {
    const nearHeader = fc
      .tuple(validHeader, arrangement, fc.nat(), hostileString(3))
      .map(([h, [order, separators], at, insert]) => {
        const text = params(h, order, separators);
        const i = at % (text.length + 1);
        return text.slice(0, i) + insert + text.slice(i);
      });
    fc.assert(
      fc.property(fc.oneof(hostileString(120), nearHeader), (input) => {
        const parsed = parseSignatureHeader(input);
        if (!parsed.ok) {
          expect(parsed.reason.length).toBeGreaterThan(0);
          return;
        }
        const v = parsed.value;
        expect(Object.keys(v).sort()).toEqual(['keyId', 'nonce', 'signature', 'timestamp']);
        expect(KEY_ID_TOKEN.test(v.keyId) && TIMESTAMP_PATTERN.test(v.timestamp) && NONCE_PATTERN.test(v.nonce) && SIGNATURE_PATTERN.test(v.signature)).toBe(true);
        expect(parseSignatureHeader(stripScheme(formatSignatureHeader(v)))).toEqual(parsed);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses any single character changed to one outside the grammar', () => {
    // Every value character is from its field's alphabet and every separator is fixed, so a
    // character that no part of the grammar allows can appear nowhere.
    const outside = hostileUnit.filter((c) => !/^[A-Za-z0-9_\-=, ]+$/.test(c));
    fc.assert(
      fc.property(validHeader, arrangement, fc.nat(), outside, (h, [order, separators], at, ch) => {
        const text = params(h, order, separators);
        expect(parseSignatureHeader(replaceAt(text, at % text.length, ch)).ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a missing, repeated or extra parameter, stray whitespace, and other spellings', () => {
    type Edit = (h: SignatureHeader, text: string, order: readonly string[]) => string;
    const edits: Record<string, Edit> = {
      'a parameter left out': (h, _t, order) => order.slice(1).map((n) => `${n}=${h[FIELD[n as (typeof NAMES)[number]]]}`).join(', '),
      'a parameter twice, instead of another': (h, _t, order) =>
        [order[0], order[1], order[2], order[0]].map((n) => `${n}=${h[FIELD[n as (typeof NAMES)[number]]]}`).join(', '),
      'a parameter twice, in addition': (_h, t) => `${t}, ${t.split(/, ?/)[0]}`,
      'a fifth parameter': (_h, t) => `${t}, Algorithm=HMAC`,
      'a trailing comma': (_h, t) => `${t},`,
      'a leading space': (_h, t) => ` ${t}`,
      'two spaces after a comma': (_h, t) => t.replace(/,/, ',  '),
      'a space before a comma': (_h, t) => t.replace(/,/, ' ,'),
      'a space around =': (_h, t) => t.replace(/=/, ' = '),
      'a trailing space': (_h, t) => `${t} `,
      'a lower-case parameter name': (_h, t, order) => t.replace(`${order[0]}=`, `${order[0]!.toLowerCase()}=`),
      'quoted values': (_h, t) => t.replace(/=([^,]*)/g, '="$1"'),
      'an upper-case signature': (h, t) => t.replace(h.signature, h.signature.toUpperCase().replace(/^[0-9]/, 'A')),
      'a semicolon for a comma': (_h, t) => t.replace(',', ';'),
      'a tab after a comma': (_h, t) => t.replace(/, ?/, ',\t'),
    };
    fc.assert(
      fc.property(validHeader, arrangement, fc.constantFrom(...Object.keys(edits)), (h, [order, separators], edit) => {
        const text = params(h, order, separators);
        const changed = edits[edit]!(h, text, order);
        fc.pre(changed !== text);
        expect(parseSignatureHeader(changed).ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses values of the wrong shape', () => {
    const wrong: Record<keyof SignatureHeader, fc.Arbitrary<string>> = {
      keyId: fc.oneof(fc.constant(''), chars(BASE62, 65, 80), hostileString(10).filter((s) => !KEY_ID_TOKEN.test(s))),
      timestamp: fc.oneof(fc.constantFrom('', '-1', '+1', '1.5', '1e9', '0x10', ' 1', '1234567890123'), hostileString(10).filter((s) => !TIMESTAMP_PATTERN.test(s))),
      nonce: fc.oneof(chars(BASE62, 0, 15), chars(BASE62, 65, 80), hostileString(20).filter((s) => !NONCE_PATTERN.test(s))),
      signature: fc.oneof(chars('0123456789abcdef', 63, 63), chars('0123456789abcdef', 65, 65), chars('0123456789ABCDEF', 64, 64).filter((s) => /[A-F]/.test(s))),
    };
    fc.assert(
      fc.property(
        validHeader,
        fc.constantFrom(...(Object.keys(wrong) as (keyof SignatureHeader)[])).chain((f) => fc.tuple(fc.constant(f), wrong[f])),
        (h, [field, value]) => {
          expect(parseSignatureHeader(stripScheme(formatSignatureHeader({ ...h, [field]: value }))).ok).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses anything longer than the cap, however well-formed its start', () => {
    fc.assert(
      fc.property(validHeader, fc.integer({ min: 1, max: 100_000 }), (h, pad) => {
        const text = stripScheme(formatSignatureHeader(h));
        const long = text + ','.repeat(Math.max(pad, MAX_SIGNATURE_HEADER_LENGTH + 1 - text.length));
        expect(parseSignatureHeader(long)).toEqual({ ok: false, reason: 'The signature header is too long.' });
      }),
      { numRuns: 100 },
    );
  });

  it('is what the credential reader hands over, scheme in any case', () => {
    fc.assert(
      fc.property(validHeader, fc.mixedCase(fc.constant(SIGNATURE_SCHEME)), (h, scheme) => {
        const value = `${scheme} ${stripScheme(formatSignatureHeader(h))}`;
        const credential = readCredential({ rawHeaders: ['Authorization', value], headers: { authorization: value }, method: 'POST', rawQuery: '' });
        expect(credential).toEqual({ kind: 'signature', header: stripScheme(formatSignatureHeader(h)) });
        expect(credential?.kind === 'signature' && parseSignatureHeader(credential.header)).toEqual({ ok: true, value: h });
      }),
      { numRuns: 200 },
    );
  });
});

describe('isFresh (property)', () => {
  it('never throws, and for well-formed timestamps is exactly the ±window rule', () => {
    fc.assert(
      fc.property(
        fc.oneof(chars('0123456789', 1, 12), hostileString(15)),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.integer({ min: 0, max: 3600 }),
        (timestamp, now, window) => {
          const fresh = isFresh(timestamp, now, window);
          if (TIMESTAMP_PATTERN.test(timestamp)) expect(fresh).toBe(Math.abs(now / 1000 - Number(timestamp)) <= window);
          if (fresh) expect(Number.isSafeInteger(Number(timestamp))).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('is true within the window and false outside it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_000_000_000, max: 4_000_000_000 }), fc.integer({ min: 1, max: 3600 }), fc.integer({ min: -7200, max: 7200 }), (t, window, skew) => {
        expect(isFresh(String(t), (t + skew) * 1000, window)).toBe(Math.abs(skew) <= window);
      }),
      { numRuns: 500 },
    );
  });
});
