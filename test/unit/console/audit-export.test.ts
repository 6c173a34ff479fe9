import { auditCsv, auditFiltersOf, auditStateFromQuery, auditStateToQuery, csvCell, problemPlace, verificationSummary, verifyRange } from '../../../console/src/format/audit';
import { fieldOfError, heldScopes, callExamples } from '../../../console/src/format/keys';

describe('console: audit filters in the URL, export, field errors', () => {
  it('round-trips the filters through the URL, and defaults to changes and refusals', () => {
    const state = { keyId: 'AbCdEfGh12345678', event: 'key.create', from: '2026-11-01T00:00:00.000Z', access: true };
    const query = auditStateToQuery(state);
    expect(query).toBe('?event=key.create&keyId=AbCdEfGh12345678&from=2026-11-01T00%3A00%3A00.000Z&access=1');
    expect(auditStateFromQuery(query)).toEqual(state);
    expect(auditStateToQuery({})).toBe('');
    expect(auditFiltersOf({}, 25)).toMatchObject({ kind: 'changes', pageSize: 25 });
    expect(auditFiltersOf({ access: true }, 25).kind).toBeUndefined();
    expect(auditFiltersOf({ event: 'auth.success' }, 25).kind).toBeUndefined(); // an explicit event wins
  });

  it('writes CSV that a spreadsheet cannot turn into a formula', () => {
    expect(csvCell('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell(undefined)).toBe('');
    const csv = auditCsv(
      [{ timestamp: 't', event: 'key.create', outcome: 'failure', actor: { uid: 'u1', method: 'session' }, request: { userAgent: '-cmd|calc', path: '/v1/rpc/createApiKey' }, reason: 'invalid_request' }],
      { u1: 'ada@example.com' },
    );
    const [head, row] = csv.split('\r\n');
    expect(head!.split(',')).toHaveLength(18);
    expect(row).toBe("t,key.create,failure,u1,ada@example.com,session,,,,,,invalid_request,,,/v1/rpc/createApiKey,,'-cmd|calc,");
  });

  it('finds the field an API message is about', () => {
    const fields = ['name', 'scopes', 'allowedOrigins', 'allowedIps', 'expiresAt', 'metadata'];
    expect(fieldOfError({ field: '/allowedIps' }, fields)).toBe('allowedIps');
    expect(fieldOfError({ field: '/allowedOrigins/0' }, fields)).toBe('allowedOrigins');
    expect(fieldOfError({ field: '/scopes' }, fields)).toBe('scopes');
    // A field the form does not show, or an error that names none (the audit log is down), marks nothing.
    expect(fieldOfError({ field: '/credits/refill' }, fields)).toBeUndefined();
    expect(fieldOfError({}, fields)).toBeUndefined();
  });

  it('offers the scopes a person holds, and examples without secrets', () => {
    expect(heldScopes({ permissions: ['write', 'read', 'read'] })).toEqual(['read', 'write']);
    expect(heldScopes({ admin: true })).toEqual(['admin', 'auditor']);
    expect(heldScopes({})).toEqual([]);
    const { curl, client } = callExamples('https://auth.example.com', 'AbCdEfGh12345678');
    expect(curl).toBe('curl https://auth.example.com/v1/me -H "Authorization: ApiKey $KEYWARD_KEY"');
    expect(client).toContain("keyId: 'AbCdEfGh12345678', signingSecret: process.env.KEYWARD_SIGNING_SECRET!");
  });

  it('verifies the search’s range, or the day before now as the API does', () => {
    const now = new Date('2026-12-01T12:00:00.000Z');
    expect(verifyRange({}, now)).toEqual({ from: '2026-11-30T12:00:00.000Z', to: '2026-12-01T12:00:00.000Z' });
    expect(verifyRange({ to: '2026-11-01T00:00:00.000Z' }, now)).toEqual({ from: '2026-10-31T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z' });
    expect(verifyRange({ from: '2026-11-01T00:00:00.000Z' }, now)).toEqual({ from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T12:00:00.000Z' });
  });

  it('says a verification in words: the verdict, the counts, each problem with its place, an unfinished chain as a note', () => {
    const clean = verificationSummary({ ok: true, entries: 1, chains: 1, checkpoints: 2, pending: 0, problems: [] });
    expect(clean.verdict).toBe('Verified: no sign of tampering.');
    expect(clean.counts).toMatch(/^1 entry in 1 chain, 2 signed checkpoints, 0 pending/);
    expect(clean.problems).toEqual([]);
    const unfinished = { kind: 'unfinished' as const, chain: '9f2c4e1a7b3d5c60', seq: 6, toSeq: 7, message: 'the chain ended without a final checkpoint' };
    expect(verificationSummary({ ok: true, entries: 7, chains: 1, checkpoints: 1, pending: 0, problems: [unfinished] })).toMatchObject({
      verdict: 'Verified: no sign of tampering (1 note below).',
      problems: [{ kind: 'unfinished', tampering: false, text: 'chain 9f2c4e1a7b3d5c60, seq 6–7: the chain ended without a final checkpoint' }],
    });
    const missing = { kind: 'missing' as const, chain: '9f2c4e1a7b3d5c60', seq: 4, toSeq: 4, message: 'seq 4 is missing' };
    const bad = verificationSummary({ ok: false, entries: 9, chains: 1, checkpoints: 1, pending: 0, problems: [missing, unfinished] });
    expect([bad.verdict, bad.problems.map((p) => [p.kind, p.tampering])]).toEqual(['Not verified: 1 problem found.', [['missing', true], ['unfinished', false]]]);
    expect(problemPlace({ kind: 'checkpoint_missing', chain: 'c', seq: 10, store: 'logging', message: 'm' })).toBe('chain c, seq 10, store logging: m');
    expect(problemPlace({ kind: 'inserted', insertId: 'forged-1', timestamp: '2026-12-01T00:00:00.000Z', message: 'no chain' })).toBe('entry forged-1, at 2026-12-01T00:00:00.000Z: no chain');
  });
});
