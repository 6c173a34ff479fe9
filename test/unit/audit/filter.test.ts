import fc from 'fast-check';
import { statusOf } from '../../../functions/src/http/errors';
import { parseFilter, type FilterNode } from '../../../emulators/logging-filter';
import { buildAuditFilter, quote } from '../../../functions/src/audit/filter';
import { queryInput, type AuditQuery } from '../../../functions/src/audit/query';
import { parseAuditQuery } from '../../../functions/src/actions/audit-log';
import { KeywardError } from '../../../functions/src/errors';

const LOG = 'projects/demo-keyward/logs/keyward-audit';
const STDOUT = 'projects/demo-keyward/logs/run.googleapis.com%2Fstdout';
const TRAIL = `(logName = "${LOG}" OR (logName = "${STDOUT}" AND labels.keyward_audit = "true"))`;
const q = (extra: Partial<AuditQuery> = {}): AuditQuery => ({ pageSize: 50, ...extra });

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof KeywardError ? `${statusOf(err)} ${err.code}` : `thrown ${String(err)}`;
  }
}

describe('parseAuditQuery', () => {
  it('has defaults and normalizes times to UTC', () => {
    expect(parseAuditQuery({})).toEqual({ pageSize: 50 });
    expect(
      parseAuditQuery({ uid: 'u_1.a:b@c-d', event: 'key.create', keyId: 'AbCdEfGh12345678', from: '2024-05-01T12:00:00+02:00', to: '2024-05-01T12:00:00.5Z', pageSize: '1000', pageToken: 'abc-_=+/.~' }),
    ).toEqual({ uid: 'u_1.a:b@c-d', event: 'key.create', keyId: 'AbCdEfGh12345678', from: '2024-05-01T10:00:00.000Z', to: '2024-05-01T12:00:00.500Z', pageSize: 1000, pageToken: 'abc-_=+/.~' });
    expect(parseAuditQuery({ pageSize: 7 }).pageSize).toBe(7); // the callable sends numbers
  });

  const refused: Record<string, Record<string, unknown>> = {
    'an unknown parameter': { user: 'x' },
    'an event outside the set': { event: 'key.delete' },
    'an event with a trailing OR': { event: 'key.create OR labels.event:*' },
    'a uid with a quote': { uid: 'a" OR labels.actor_uid:*' },
    'a uid with a backslash': { uid: 'a\\' },
    'a uid with a newline': { uid: 'a\nOR' },
    'a uid with spaces': { uid: 'a OR b' },
    'an empty uid': { uid: '' },
    'a uid that is not a string': { uid: ['a'] },
    'a long uid': { uid: 'a'.repeat(129) },
    'a malformed key id': { keyId: 'short' },
    'a key id with a quote': { keyId: 'AbCdEfGh1234567"' },
    'a date without a zone': { from: '2024-05-01T12:00:00' },
    'a date only': { from: '2024-05-01' },
    'a date that does not exist': { to: '2024-02-30T00:00:00Z' },
    'a filter in a date': { from: '2024-05-01T12:00:00Z" OR timestamp>"1970' },
    'from after to': { from: '2024-05-02T00:00:00Z', to: '2024-05-01T00:00:00Z' },
    'pageSize 0': { pageSize: '0' },
    'pageSize 1001': { pageSize: '1001' },
    'a fractional pageSize': { pageSize: 1.5 },
    'a pageSize with letters': { pageSize: '10a' },
    'a pageToken with a quote': { pageToken: 'abc"' },
    'an overlong pageToken': { pageToken: 'a'.repeat(2049) },
  };
  it.each(Object.entries(refused))('refuses %s with 400', (_name, input) => {
    expect(code(() => parseAuditQuery(input))).toBe('400 invalid_request');
  });
});

describe('queryInput', () => {
  it('refuses a repeated parameter, ignores the ?token= credential, and treats __proto__ as a name', () => {
    expect(queryInput(new URLSearchParams('event=key.create&token=t'))).toEqual({ event: 'key.create' });
    expect(code(() => queryInput(new URLSearchParams('uid=a&uid=b')))).toBe('400 invalid_request');
    expect(code(() => parseAuditQuery(queryInput(new URLSearchParams('__proto__=x'))))).toBe('400 invalid_request');
  });
});

describe('buildAuditFilter', () => {
  it('builds the clauses from the validated query', () => {
    const filter = buildAuditFilter({
      projectId: 'demo-keyward',
      logName: 'keyward-audit',
      onlyUid: 'me',
      query: q({ uid: 'me', event: 'key.revoke', keyId: 'AbCdEfGh12345678', from: '2024-05-01T00:00:00.000Z', to: '2024-05-02T00:00:00.000Z' }),
    });
    expect(filter).toBe(
      [
        TRAIL,
        '(labels.actor_uid = "me" OR labels.target_uid = "me")',
        '(labels.actor_uid = "me" OR labels.target_uid = "me")',
        'labels.event = "key.revoke"',
        '(labels.key_id = "AbCdEfGh12345678" OR labels.actor_key_id = "AbCdEfGh12345678")',
        'timestamp >= "2024-05-01T00:00:00.000Z"',
        'timestamp <= "2024-05-02T00:00:00.000Z"',
      ].join(' AND '),
    );
  });

  it('always bounds the time, so the client adds no 24-hour default', () => {
    expect(buildAuditFilter({ projectId: 'p', logName: 'keyward-audit', query: q() })).toBe(
      '(logName = "projects/p/logs/keyward-audit" OR (logName = "projects/p/logs/run.googleapis.com%2Fstdout" AND labels.keyward_audit = "true")) AND timestamp >= "1970-01-01T00:00:00Z"',
    );
  });

  it('escapes quotes and backslashes and refuses control characters', () => {
    expect(quote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(() => quote('a\nb')).toThrow();
  });

  /** The AND-ed clauses of a parsed filter, left to right. */
  function clauses(node: FilterNode): FilterNode[] {
    return node.kind === 'and' ? [...clauses(node.left), ...clauses(node.right)] : [node];
  }

  it('keeps any uid a literal inside its own clause: no value can add or widen a clause (property)', () => {
    // onlyUid comes from the verified identity and is not pattern-checked: the quoting alone must hold.
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }).filter((s) => !/[\u0000-\u001f\u007f]/.test(s)), (uid) => {
        const parsed = parseFilter(buildAuditFilter({ projectId: 'demo-keyward', logName: 'keyward-audit', onlyUid: uid, query: q() }));
        const [log, visibility, time, ...rest] = clauses(parsed);
        expect(rest).toEqual([]);
        expect(log).toMatchObject({
          kind: 'or',
          left: { kind: 'compare', path: ['logName'], op: '=', value: { text: LOG, quoted: true } },
          right: { kind: 'and', left: { kind: 'compare', path: ['logName'], value: { text: STDOUT } }, right: { kind: 'compare', path: ['labels', 'keyward_audit'], value: { text: 'true' } } },
        });
        expect(time).toMatchObject({ kind: 'compare', path: ['timestamp'], op: '>=' });
        expect(visibility).toEqual({
          kind: 'or',
          left: expect.objectContaining({ kind: 'compare', path: ['labels', 'actor_uid'], op: '=', value: { text: uid, quoted: true } }),
          right: expect.objectContaining({ kind: 'compare', path: ['labels', 'target_uid'], op: '=', value: { text: uid, quoted: true } }),
        });
      }),
      { numRuns: 500 },
    );
  });

  it('parses for every event and the hostile strings a caller might try', () => {
    for (const uid of ['"', '\\', '\\"', '" OR labels.actor_uid:*', 'a") OR ("b', 'x OR y', '(', ')', '*', 'NOT', '-a']) {
      const node = parseFilter(buildAuditFilter({ projectId: 'p', logName: 'keyward-audit', onlyUid: uid, query: q({ event: 'auth.failure' }) }));
      expect(clauses(node)).toHaveLength(4);
    }
  });
});
