// Properties of the audit query parser and the Cloud Logging filter built from it
// (functions/src/audit/query.ts, filter.ts, read.ts): hostile input is refused with the contract's
// 400, and nothing a caller sends can add, widen or escape a clause of the filter.
import fc from 'fast-check';
import { statusOf } from '../../../functions/src/http/errors';
import { parseFilter, type FilterNode } from '../../../emulators/logging-filter';
import { AUDIT_EVENTS } from '../../../functions/src/audit/events';
import { buildAuditFilter, quote } from '../../../functions/src/audit/filter';
import { queryInput, type AuditQuery } from '../../../functions/src/audit/query';
import { parseAuditQuery } from '../../../functions/src/actions/audit-log';
import { AuditQuery as AUDIT_QUERY_PARAMS } from '../../../functions/src/contract/requests';

const AUDIT_QUERY_FIELDS = Object.keys(AUDIT_QUERY_PARAMS);
/** A range bound as the audit read takes it: validated by the schema, in UTC. */
const parseTime = (text: string, field: 'from' | 'to') => parseAuditQuery({ [field]: text })[field]!;
import { auditLog } from '../../../functions/src/actions/audit-log';
import type { Identity } from '../../../functions/src/identity';
import { base62, hostileString, resultOrApiError, resultOrApiErrorAsync } from './arbitraries';

const PROJECT = 'demo-keyward';
const LOG = 'keyward-audit';
const UID = /^[A-Za-z0-9_.:@-]{1,128}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Filter syntax a caller might try to smuggle in. */
const injection = fc.constantFrom(
  '" OR labels.actor_uid:*',
  'a") OR ("b',
  '\\" OR "" = "',
  'x OR y',
  'labels.event:*',
  'a\\',
  '\\',
  '"',
  'a\nOR b',
  ') OR (',
  'NOT labels.actor_uid = "me"',
  '-labels.actor_uid:"me"',
  '=~".*"',
  '*',
);
const hostile = fc.oneof(hostileString(30), injection);

const rfc3339 = fc
  .tuple(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }), fc.constantFrom('Z', '+02:00', '-05:30', '+00:00'))
  .map(([d, zone]) => {
    const shifted = zone === 'Z' ? d : new Date(d.getTime() + (zone[0] === '+' ? 1 : -1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4))) * 60_000);
    return shifted.toISOString().slice(0, -1) + zone;
  });

/** Each field: well-formed values (with the filter's special characters where the pattern allows them), or hostile ones. */
const fieldValue = {
  uid: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_.:@-]{1,20}$/), fc.constantFrom('OR', 'AND', 'NOT', 'a:b', ':', '@', '-x', 'me'), hostile, fc.jsonValue()),
  event: fc.oneof(fc.constantFrom(...AUDIT_EVENTS), fc.constantFrom('key.create OR labels.event:*', 'KEY.CREATE', 'key.create '), hostile),
  keyId: fc.oneof(base62(16), base62(15).map((s) => s + '"'), hostile),
  from: fc.oneof(rfc3339, fc.constant('2024-05-01T12:00:00Z" OR timestamp>"1970'), hostile),
  to: fc.oneof(rfc3339, hostile),
  pageSize: fc.oneof(fc.integer({ min: -5, max: 1005 }), fc.integer({ min: 1, max: 1000 }).map(String), fc.constantFrom('1e3', '0x10', ' 5', '5 ', '05'), fc.double(), hostile),
  pageToken: fc.oneof(fc.stringMatching(/^[A-Za-z0-9+/=_.~-]{1,40}$/), hostile),
};
const input: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.record(fieldValue, { requiredKeys: [] }),
    fc.option(fc.dictionary(fc.oneof(hostileString(8), fc.constantFrom('user', '__proto__', 'constructor', 'toString', 'Uid')), hostile, { maxKeys: 2 }), { freq: 4, nil: undefined }),
  )
  .map(([known, extra]) => ({ ...extra, ...known }));

/** Inputs that pass validation, built from the allowed alphabets (which include `:`, `.`, `@`, `-`, `=`, `+`, `/`). */
const acceptedInput: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    uid: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_.:@-]{1,40}$/), fc.constantFrom('OR', 'AND', 'NOT', ':', '-', 'a:*', '@.:-_')),
    event: fc.constantFrom(...AUDIT_EVENTS),
    keyId: base62(16),
    from: rfc3339,
    to: rfc3339,
    pageSize: fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 }).map(String)),
    pageToken: fc.stringMatching(/^[A-Za-z0-9+/=_.~-]{1,40}$/),
  },
  { requiredKeys: [] },
);

function checkQuery(q: AuditQuery) {
  for (const k of Object.keys(q)) expect(AUDIT_QUERY_FIELDS as readonly string[]).toContain(k);
  expect(Number.isInteger(q.pageSize) && q.pageSize >= 1 && q.pageSize <= 1000).toBe(true);
  if (q.uid !== undefined) expect(q.uid).toMatch(UID);
  if (q.event !== undefined) expect(AUDIT_EVENTS).toContain(q.event);
  if (q.keyId !== undefined) expect(q.keyId).toMatch(/^[A-Za-z0-9]{16}$/);
  if (q.from !== undefined) expect(q.from).toMatch(ISO_UTC);
  if (q.to !== undefined) expect(q.to).toMatch(ISO_UTC);
  if (q.from !== undefined && q.to !== undefined) expect(Date.parse(q.from)).toBeLessThanOrEqual(Date.parse(q.to));
  if (q.pageToken !== undefined) expect(q.pageToken).toMatch(/^[A-Za-z0-9+/=_.~-]{1,2048}$/);
}

const LITERAL = /"(?:[^"\\]|\\[\s\S])*"/g;
const unquote = (literal: string) => literal.slice(1, -1).replace(/\\([\s\S])/g, '$1');

/** The filter with every string literal blanked: what is left is the structure, which no value may change. */
function expectedSkeleton(q: Partial<AuditQuery>, onlyUid: string | undefined): string {
  return expectedClauses(q, onlyUid).join(' AND ');
}

function expectedClauses(q: Partial<AuditQuery>, onlyUid: string | undefined): string[] {
  const L = '""';
  const involves = `(labels.actor_uid = ${L} OR labels.target_uid = ${L})`;
  return [
    `(logName = ${L} OR (logName = ${L} AND labels.keyward_audit = ${L}))`,
    ...(onlyUid !== undefined ? [involves] : []),
    ...(q.uid !== undefined ? [involves] : []),
    ...(q.event !== undefined ? [`labels.event = ${L}`] : []),
    ...(q.keyId !== undefined ? [`(labels.key_id = ${L} OR labels.actor_key_id = ${L})`] : []),
    `timestamp >= ${L}`,
    ...(q.to !== undefined ? [`timestamp <= ${L}`] : []),
  ];
}

function expectedLiterals(q: Partial<AuditQuery>, onlyUid: string | undefined): string[] {
  return [
    `projects/${PROJECT}/logs/${LOG}`,
    `projects/${PROJECT}/logs/run.googleapis.com%2Fstdout`,
    'true',
    ...(onlyUid !== undefined ? [onlyUid, onlyUid] : []),
    ...(q.uid !== undefined ? [q.uid, q.uid] : []),
    ...(q.event !== undefined ? [q.event] : []),
    ...(q.keyId !== undefined ? [q.keyId, q.keyId] : []),
    q.from ?? '1970-01-01T00:00:00Z',
    ...(q.to !== undefined ? [q.to] : []),
  ];
}

const clauses = (node: FilterNode): FilterNode[] => (node.kind === 'and' ? [...clauses(node.left), ...clauses(node.right)] : [node]);

/** The filter holds exactly the intended clauses, each value a literal equal to what was meant. */
function checkFilter(filter: string, q: Partial<AuditQuery>, onlyUid: string | undefined) {
  expect(filter.replace(LITERAL, '""')).toBe(expectedSkeleton(q, onlyUid));
  expect((filter.match(LITERAL) ?? []).map(unquote)).toEqual(expectedLiterals(q, onlyUid));
  expect(filter).not.toMatch(CONTROL);
  // And as a Cloud Logging filter parser reads it (the Logging emulator's parser).
  const parsed = clauses(parseFilter(filter));
  const expectedCount = expectedClauses(q, onlyUid).length;
  expect(parsed).toHaveLength(expectedCount);
  const values: string[] = [];
  const collect = (n: FilterNode): void => {
    if (n.kind === 'compare') {
      expect(n.value.quoted).toBe(true);
      values.push(n.value.text);
    } else if (n.kind === 'or' || n.kind === 'and') {
      collect(n.left);
      collect(n.right);
    } else throw new Error(`unexpected ${n.kind} node`);
  };
  parsed.forEach(collect);
  expect(values).toEqual(expectedLiterals(q, onlyUid));
}

describe('parseAuditQuery (property)', () => {
  it('refuses with 400 invalid_request, or yields only allowed fields with allowed values', () => {
    fc.assert(
      fc.property(input, (i) => {
        const r = resultOrApiError(() => parseAuditQuery(i));
        if (!r.ok) {
          expect(r.error.code).toBe('invalid_request');
          expect(statusOf(r.error)).toBe(400);
          return;
        }
        checkQuery(r.value);
      }),
      { numRuns: 700 },
    );
  });

  it('reads any query string with the same outcome: a 400 or a well-formed query', () => {
    const queryString = fc.oneof(
      hostileString(100),
      input.map((i) => {
        const params = new URLSearchParams();
        for (const [k, v] of Object.entries(i)) params.append(k, typeof v === 'string' ? v : JSON.stringify(v) ?? '');
        return params.toString();
      }),
      fc.constantFrom('uid=a&uid=b', 'token=x&event=key.create', '__proto__=x', 'constructor=1', 'uid=a%22%20OR%20b'),
    );
    fc.assert(
      fc.property(queryString, (qs) => {
        const r = resultOrApiError(() => parseAuditQuery(queryInput(new URLSearchParams(qs))));
        if (r.ok) checkQuery(r.value);
        else expect(r.error.code).toBe('invalid_request');
      }),
      { numRuns: 500 },
    );
  });
});

describe('buildAuditFilter (property)', () => {
  const onlyUid = fc.option(fc.oneof(hostile, fc.stringMatching(/^[A-Za-z0-9_.:@-]{1,20}$/)).filter((s) => !CONTROL.test(s)), { nil: undefined });

  it('cannot be injected into from any accepted query: the structure is fixed and every value stays a literal', () => {
    fc.assert(
      fc.property(fc.oneof({ weight: 3, arbitrary: acceptedInput }, input), onlyUid, (i, only) => {
        const r = resultOrApiError(() => parseAuditQuery(i));
        fc.pre(r.ok);
        if (!r.ok) return;
        checkFilter(buildAuditFilter({ projectId: PROJECT, logName: LOG, query: r.value, onlyUid: only }), r.value, only);
      }),
      { numRuns: 500 },
    );
  });

  it('holds even for unvalidated values (the quoting alone): any text without control characters stays one literal', () => {
    const raw = fc.record(
      { uid: hostile, event: hostile, keyId: hostile, from: hostile, to: hostile },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(raw, onlyUid, (values, only) => {
        const query = { pageSize: 50, ...values } as AuditQuery;
        const withControl = [...Object.values(values), only ?? ''].some((v) => CONTROL.test(v));
        let filter: string;
        try {
          filter = buildAuditFilter({ projectId: PROJECT, logName: LOG, query, onlyUid: only });
        } catch (err) {
          expect(err).toBeInstanceOf(TypeError);
          expect(withControl).toBe(true);
          return;
        }
        expect(withControl).toBe(false);
        checkFilter(filter, query, only);
      }),
      { numRuns: 500 },
    );
  });

  it('quote() is a literal that reads back to its input', () => {
    fc.assert(
      fc.property(hostile.filter((s) => !CONTROL.test(s)), (s) => {
        const q = quote(s);
        expect(q.match(LITERAL)).toEqual([q]);
        expect(unquote(q)).toBe(s);
      }),
      { numRuns: 500 },
    );
  });
});

describe('auditLog.query (property)', () => {
  it('never lets a caller widen what they see: the visibility clause is always there for a non-auditor', async () => {
    const identity = fc.record({
      uid: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,28}$/), hostile),
      auditor: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(acceptedInput, input), identity, async (i, who) => {
        let filter: string | undefined;
        const log = auditLog({
          projectId: PROJECT,
          logName: LOG,
          list: async (req) => {
            filter = req.filter;
            return { entries: [] };
          },
        });
        const id: Identity = { uid: who.uid, claims: who.auditor ? { auditor: true } : {}, method: 'session' };
        const r = await resultOrApiErrorAsync(() => log.query(id, i));
        if (!r.ok) {
          expect(['invalid_request', 'forbidden']).toContain(r.error.code);
          expect(filter).toBeUndefined();
          return;
        }
        const q = parseAuditQuery(i);
        const only = who.auditor ? undefined : who.uid;
        if (!who.auditor && q.uid !== undefined) expect(q.uid).toBe(who.uid);
        checkFilter(filter!, q, only);
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseTime (property)', () => {
  const MIN = Date.parse('0000-01-01T00:00:00.000Z');
  const MAX = Date.parse('9999-12-31T23:59:59.999Z');

  it('accepts every RFC 3339 date-time, in any offset and precision, as its UTC instant; refuses instants it cannot write in four-digit years', () => {
    const offset = fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 });
    const DAY = 86_400_000;
    // Anywhere in the four-digit years, and often within a day of either end, where an offset crosses it.
    const instant = fc.oneof(
      fc.date({ min: new Date(MIN), max: new Date(MAX), noInvalidDate: true }),
      fc.integer({ min: MIN - DAY, max: MIN + DAY }).map((t) => new Date(t)),
      fc.integer({ min: MAX - DAY, max: MAX + DAY }).map((t) => new Date(t)),
    );
    fc.assert(
      fc.property(instant, offset, fc.integer({ min: 0, max: 9 }), (instant, minutes, digits) => {
        const ms = instant.getTime();
        const local = new Date(ms + minutes * 60_000);
        fc.pre(local.getTime() >= MIN && local.getTime() <= MAX);
        const zone = minutes === 0 ? 'Z' : `${minutes > 0 ? '+' : '-'}${String(Math.floor(Math.abs(minutes) / 60)).padStart(2, '0')}:${String(Math.abs(minutes) % 60).padStart(2, '0')}`;
        const fraction = digits === 0 ? '' : '.' + String(local.getUTCMilliseconds()).padStart(3, '0').padEnd(digits, '7').slice(0, digits);
        const text = local.toISOString().slice(0, 19) + fraction + zone;
        // Precision beyond milliseconds is cut; fewer digits are the value they spell.
        const expected = ms - (ms - Math.floor(ms / 1000) * 1000) + (digits === 0 ? 0 : Number(fraction.slice(1, 4).padEnd(3, '0')));
        const r = resultOrApiError(() => parseTime(text, 'from'));
        if (expected >= MIN && expected <= MAX) {
          expect(r.ok && r.value).toBe(new Date(expected).toISOString());
        } else {
          expect(r.ok ? r.value : r.error.code).toBe('invalid_request');
        }
      }),
      {
        numRuns: 500,
        examples: [
          [new Date('0000-02-29T00:00:00.000Z'), 0, 0], // year 0 is a leap year
          [new Date(MIN - 3_600_000), 60, 0], // 0000-01-01T00:00:00+01:00 is in year -1 in UTC
          [new Date(MAX + 1_800_001), -60, 3], // 9999-12-31T23:30:00.000-01:00 is in year 10000 in UTC
        ],
      },
    );
  });

  it('refuses any date-time that does not exist', () => {
    const bad = fc.oneof(
      fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.constantFrom('04', '06', '09', '11')).map(([y, m]) => `${String(y).padStart(4, '0')}-${m}-31T00:00:00Z`),
      fc.integer({ min: 0, max: 9999 }).map((y) => `${String(y).padStart(4, '0')}-02-30T00:00:00Z`),
      fc.integer({ min: 0, max: 9999 }).filter((y) => !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))).map((y) => `${String(y).padStart(4, '0')}-02-29T00:00:00Z`),
      fc.constantFrom('2024-01-01T24:00:00Z', '2024-01-01T23:60:00Z', '2024-01-01T23:59:60Z', '2024-00-01T00:00:00Z', '2024-13-01T00:00:00Z', '2024-01-00T00:00:00Z', '2024-01-01T00:00:00+24:00', '2024-01-01T00:00:00+00:60'),
    );
    fc.assert(
      fc.property(bad, (text) => {
        const r = resultOrApiError(() => parseTime(text, 'to'));
        expect(r.ok ? r.value : r.error.code).toBe('invalid_request');
      }),
      { numRuns: 500 },
    );
  });

  it('never throws but the contract error on arbitrary text, and what it returns it accepts again unchanged', () => {
    const nearTime = fc
      .tuple(rfc3339, fc.nat(), hostileString(2))
      .map(([t, at, s]) => t.slice(0, at % (t.length + 1)) + s + t.slice(at % (t.length + 1)));
    fc.assert(
      fc.property(fc.oneof(hostileString(40), nearTime), (text) => {
        const r = resultOrApiError(() => parseTime(text, 'from'));
        if (!r.ok) return;
        expect(r.value).toMatch(ISO_UTC);
        expect(parseTime(r.value, 'from')).toBe(r.value);
      }),
      { numRuns: 500 },
    );
  });
});
