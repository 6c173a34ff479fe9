// Key metadata (keys/metadata.ts, asked by the contract's schemas), shared by create and PATCH: what Firestore would refuse (a
// failed write, 500) is refused first as the contract's 400.
import { MAX_METADATA_DEPTH } from '../../../functions/src/keys/metadata';
import { parsePatch as narrowing, type PatchContext } from '../../../functions/src/keys/patch';
import type { KeyRecord } from '../../../functions/src/keys/record';
import { parseRequest } from '../../../functions/src/contract/parse';

/** Metadata as a create body's schema reads it (contract/requests.ts). */
const parseMetadata = (body: Record<string, unknown>) => parseRequest('keyCreate', { name: 'x', ...body }).metadata;
const parsePatch = (body: Record<string, unknown>, rec: KeyRecord, c: PatchContext) => narrowing(parseRequest('keyPatch', body), rec, c);
import { record } from '../../harness/memory';

/** `{"a":{"a":…{"a":1}}}` with `levels` objects. */
const nested = (levels: number): Record<string, unknown> => (levels === 1 ? { a: 1 } : { a: nested(levels - 1) });

function refusal(metadata: unknown): { code: string; message: string } {
  try {
    parseMetadata({ metadata });
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('accepted');
}

describe('key metadata', () => {
  it('accepts a small JSON object up to the depth limit, and null to clear', () => {
    expect(MAX_METADATA_DEPTH).toBe(5);
    for (const metadata of [
      {},
      { team: 'billing', n: 3, ok: true, none: null },
      nested(5),
      { list: [1, 'a', { b: [2] }] },
      { 'a.b': 1, 'x/y': 2, '`q`': 3, _: 4, __x: 5, x__: 6, ' ': 7 },
    ]) {
      expect(parseMetadata({ metadata })).toEqual(metadata);
    }
    expect(parseMetadata({ metadata: null })).toBeNull();
    expect(parseMetadata({})).toBeUndefined();
  });

  it.each([
    ['nested beyond the limit', nested(6), /^metadata may nest objects and lists at most 5 levels deep/],
    ['nested beyond Firestore (20 levels)', nested(25), /^metadata may nest objects and lists at most 5 levels deep/],
    ['lists count as levels', { a: [{ b: [{ c: [1] }] }] }, /^metadata may nest objects and lists at most 5 levels deep/],
    ['an empty key', { '': 1 }, /^metadata keys must not be empty\.$/],
    ['an empty key deeper down', { a: { '': 1 } }, /^metadata keys must not be empty\.$/],
    ['a reserved key', { __name__: 1 }, /^metadata keys may not begin and end with two underscores \(reserved by Firestore\): "__name__"\.$/],
    ['a reserved key deeper down', { a: [{ __key__: 1 }] }, /reserved by Firestore\): "__key__"/],
    ['a bare reserved-looking key', { ____: 1 }, /reserved by Firestore/],
    ['a list inside a list', { a: [[1]] }, /^metadata may not hold a list directly inside a list/],
    ['a number JSON cannot round-trip', { a: Infinity }, /^metadata numbers must be finite\.$/],
  ])('refuses %s with 400 invalid_request and says why', (_, metadata, message) => {
    expect(refusal(metadata)).toEqual(expect.objectContaining({ code: 'invalid_request', message: expect.stringMatching(message) }));
  });

  it('PATCH uses the same rules', () => {
    const key = record({});
    expect(() => parsePatch({ metadata: { '': 1 } }, key, { now: 0, claims: {} })).toThrow(expect.objectContaining({ code: 'invalid_request', message: 'metadata keys must not be empty.' }));
    expect(() => parsePatch({ metadata: nested(21) }, key, { now: 0, claims: {} })).toThrow(expect.objectContaining({ code: 'invalid_request' }));
  });
});
