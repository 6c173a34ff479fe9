import { auditCsv, auditFiltersOf, auditStateFromQuery, auditStateToQuery, csvCell, fieldOfError, heldScopes, usageSnippets } from '../../../console/src/format';

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
    expect(fieldOfError('allowedIps has an invalid entry: "x".', fields)).toBe('allowedIps');
    expect(fieldOfError('A web key needs at least one allowed origin.', fields)).toBe('allowedOrigins');
    expect(fieldOfError('You do not hold these scopes: x.', fields)).toBe('scopes');
    expect(fieldOfError('The audit log is unavailable.', fields)).toBeUndefined();
  });

  it('offers the scopes a person holds, and examples without secrets', () => {
    expect(heldScopes({ permissions: ['write', 'read', 'read'] })).toEqual(['read', 'write']);
    expect(heldScopes({ admin: true })).toEqual(['admin', 'auditor']);
    expect(heldScopes({})).toEqual([]);
    const { curl, client } = usageSnippets('https://auth.example.com', 'AbCdEfGh12345678');
    expect(curl).toBe('curl https://auth.example.com/v1/me -H "Authorization: ApiKey $KEYWARD_KEY"');
    expect(client).toContain("keyId: 'AbCdEfGh12345678', signingSecret: process.env.KEYWARD_SIGNING_SECRET!");
  });
});
