import { parsePatch as narrowing, type PatchContext } from '../../../functions/src/keys/patch';
import { parseRequest } from '../../../functions/src/contract/parse';
import type { KeyRecord } from '../../../functions/src/keys/record';
import { record } from '../../harness/memory';

const NOW = Date.parse('2026-11-30T00:00:00Z');
const owner = { permissions: ['read', 'write'] };
const ctx = { now: NOW, claims: owner };
/** As the action runs it: the contract's schema, then the never-widen rules. */
const parsePatch = (body: Record<string, unknown>, rec: KeyRecord, c: PatchContext) => narrowing(parseRequest('keyPatch', body), rec, c);
const key = (over: Partial<KeyRecord> = {}) => record({ expiresAt: NOW + 10 * 86_400_000, ...over });

function refusal(body: Record<string, unknown>, rec: KeyRecord = key()): { code: string; message: string } {
  try {
    parsePatch(body, rec, ctx);
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('accepted');
}

describe('PATCH rules: allow-listed, never widening', () => {
  it('renames, narrows, shortens, pauses and resumes', () => {
    expect(parsePatch({ name: 'billing' }, key(), ctx)).toEqual({ name: 'billing' });
    expect(parsePatch({ scopes: ['read'] }, key(), ctx)).toEqual({ scopes: ['read'] });
    expect(parsePatch({ scopes: ['read'] }, key({ scopes: ['read', 'write'] }), ctx)).toEqual({ scopes: ['read'] });
    expect(parsePatch({ expiresAt: '2026-12-05T00:00:00Z' }, key(), ctx)).toEqual({ expiresAt: Date.parse('2026-12-05T00:00:00Z') });
    expect(parsePatch({ disabled: true }, key(), ctx)).toEqual({ disabledAt: NOW });
    expect(parsePatch({ disabled: true }, key({ disabledAt: 5 }), ctx)).toEqual({ disabledAt: 5 });
    expect(parsePatch({ disabled: false }, key({ disabledAt: 5 }), ctx)).toEqual({ disabledAt: null });
    expect(parsePatch({ allowedIps: ['10.1.0.0/16', '10.2.3.4'] }, key({ allowedIps: ['10.0.0.0/8'] }), ctx)).toEqual({ allowedIps: ['10.1.0.0/16', '10.2.3.4'] });
    expect(parsePatch({ allowedIps: ['192.0.2.0/24'] }, key(), ctx)).toEqual({ allowedIps: ['192.0.2.0/24'] });
    expect(parsePatch({ allowedOrigins: ['https://a.example'] }, key({ type: 'web', allowedOrigins: ['https://a.example', 'https://b.example'] }), ctx)).toEqual({
      allowedOrigins: ['https://a.example'],
    });
    expect(parsePatch({ metadata: { team: 'billing', n: 3 } }, key(), ctx)).toEqual({ metadata: { team: 'billing', n: 3 } });
    expect(parsePatch({ metadata: null }, key({ metadata: { a: 1 } }), ctx)).toEqual({ metadata: null });
  });

  it('refuses anything that would let the key do more', () => {
    expect(refusal({ scopes: ['read', 'admin'] }, key({ scopes: ['read'] }))).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/^scopes may only be narrowed/) });
    expect(refusal({ scopes: ['delete'] })).toMatchObject({ code: 'forbidden' }); // beyond the owner's grants
    expect(refusal({ scopes: null }, key({ scopes: ['read'] }))).toMatchObject({ code: 'forbidden' });
    expect(refusal({ expiresAt: '2027-06-01T00:00:00Z' })).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/^expiresAt/) });
    expect(refusal({ allowedIps: [] }, key({ allowedIps: ['10.0.0.0/8'] }))).toMatchObject({ code: 'forbidden' });
    expect(refusal({ allowedIps: ['10.0.0.0/7'] }, key({ allowedIps: ['10.0.0.0/8'] }))).toMatchObject({ code: 'forbidden' });
    expect(refusal({ allowedIps: ['2001:db8::1'] }, key({ allowedIps: ['10.0.0.0/8'] }))).toMatchObject({ code: 'forbidden' });
    expect(refusal({ allowedOrigins: ['https://c.example'] }, key({ type: 'web', allowedOrigins: ['https://a.example'] }))).toMatchObject({ code: 'forbidden' });
    expect(refusal({ allowedOrigins: [] }, key({ type: 'web', allowedOrigins: ['https://a.example'] }))).toMatchObject({ code: 'invalid_request' });
  });

  it('refuses unknown fields, empty bodies and bad values', () => {
    for (const body of [{}, { ownerUid: 'x' }, { status: 'active' }, { secrets: [] }, { type: 'web' }, { lastUsedAt: 1 }]) {
      expect(refusal(body)).toMatchObject({ code: 'invalid_request' });
    }
    for (const body of [
      { name: '' },
      { name: 'a\u0000b' },
      { disabled: 'yes' },
      { expiresAt: 'tomorrow' },
      { expiresAt: '2020-01-01T00:00:00Z' },
      { metadata: [1] },
      { metadata: 'x' },
      { metadata: { blob: 'x'.repeat(2000) } },
      { scopes: ['bad scope'] },
      { allowedIps: ['10.1'] },
    ]) {
      expect(refusal(body)).toMatchObject({ code: 'invalid_request' });
    }
  });

  it('parses expiresAt with the same rules as create: a date that exists, a time with a zone', () => {
    expect(parsePatch({ expiresAt: '2026-12-05' }, key(), ctx)).toEqual({ expiresAt: Date.parse('2026-12-05T00:00:00Z') });
    expect(parsePatch({ expiresAt: '2026-12-05T12:00:00+02:00' }, key(), ctx)).toEqual({ expiresAt: Date.parse('2026-12-05T10:00:00Z') });
    for (const expiresAt of ['2026-11-31', '2026-12-05T12:00:00', '2026-12-05T12:00', '2026-12-05 12:00:00Z', '2026-12-05T12:00:00+0200', '2026-12-05junk']) {
      expect(refusal({ expiresAt })).toEqual(expect.objectContaining({ code: 'invalid_request', message: expect.stringMatching(/^expiresAt must be an ISO 8601 date that exists/) }));
    }
  });
});
