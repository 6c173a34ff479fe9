// The local Cloud Logging emulator, exercised only through the official client.
import { Logging, type Entry, type Log, type LoggingOptions } from '@google-cloud/logging';
import { grpc } from 'google-gax';
import { startLoggingEmulator, type LoggingEmulator } from '../../emulators/logging';
import { grpcFailure } from '../harness/outcomes';

process.env.GOOGLE_CLOUD_PROJECT = 'demo-keyward';
process.env.GCLOUD_PROJECT = 'demo-keyward';
// No metadata-server probe from google-auth-library (resource detection, universe domain).
process.env.METADATA_SERVER_DETECTION = 'none';

const INVALID_ARGUMENT = 3;
const NOT_FOUND = 5;
const UNIMPLEMENTED = 12;

let emulator: LoggingEmulator;
let logging: Logging;

// Whole seconds: the client turns a Date into seconds/nanos with float arithmetic, so a
// millisecond part may come back 1 ms off — against the real service just the same.
const T0 = new Date(Math.floor(Date.now() / 1000) * 1000 - 3600_000);
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

beforeAll(async () => {
  emulator = await startLoggingEmulator({ port: 0 });
  // sslCreds is not declared by LoggingOptions but reaches google-gax; it must be made by
  // google-gax's own grpc-js (grpc-js checks instanceof ChannelCredentials).
  logging = new Logging({
    projectId: 'demo-keyward',
    apiEndpoint: '127.0.0.1',
    port: emulator.port,
    sslCreds: grpc.credentials.createInsecure(),
  } as LoggingOptions);
  // The client adds a diagnostic entry to the first write of the process: let it land elsewhere.
  const warmUp = logging.log('keyward-warm-up');
  await warmUp.write(warmUp.entry({ resource: { type: 'global' } }, { warmUp: true }));
});

afterAll(async () => {
  await emulator.stop();
});

/** A filter string literal: the value quoted and escaped, so it is matched literally. */
function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const uids = (entries: Entry[]) => entries.map((e) => (e.data as { uid: string }).uid);

describe('filters', () => {
  let log: Log;
  const data = {
    alice1: { uid: 'alice', event: 'login', attempt: 1, meta: { region: 'eu', tags: ['web', 'mfa'] }, ok: true, none: null },
    bob: { uid: 'bob', event: 'login_failed', attempt: 3, meta: { region: 'us' }, ok: false },
    alice2: { uid: 'alice', event: 'key_revoked', attempt: 1, meta: { region: 'eu' } },
    mallory: { uid: 'mallory', event: 'weird', note: 'he said "hi" \\ bye', inj: '" OR labels.uid="alice' },
  };

  const get = async (filter: string, orderBy = 'timestamp asc') => (await log.getEntries({ filter, orderBy, autoPaginate: false }))[0];

  beforeAll(async () => {
    log = logging.log('keyward-audit-filters');
    const entry = (seconds: number, severity: string, labels: Record<string, string>, payload: object) =>
      log.entry({ resource: { type: 'global' }, timestamp: at(seconds), severity, labels }, payload);
    await log.write(
      [
        entry(0, 'INFO', { event: 'login', uid: 'alice' }, data.alice1),
        entry(1, 'WARNING', { event: 'login_failed', uid: 'bob' }, data.bob),
        entry(2, 'ERROR', { event: 'key_revoked', uid: 'alice', suite: 'override' }, data.alice2),
        entry(3, 'INFO', { event: 'weird', uid: 'mallory' }, data.mallory),
      ],
      // Request-level labels are defaults: the entries' own labels win.
      { labels: { suite: 'filters' } },
    );
  });

  test('labels equality returns the entry with its payload, timestamp, severity and labels', async () => {
    const [e, ...rest] = await get('labels.event="login"');
    expect(rest).toHaveLength(0);
    expect(e!.data).toEqual(data.alice1);
    expect(e!.metadata.timestamp).toEqual(T0);
    expect(e!.metadata.severity).toBe('INFO');
    expect(e!.metadata.labels).toEqual({ event: 'login', uid: 'alice', suite: 'filters' });
    expect(e!.metadata.logName).toBe('projects/demo-keyward/logs/keyward-audit-filters');
    expect(e!.metadata.insertId).toBeTruthy();
    expect(e!.metadata.receiveTimestamp).toBeTruthy();
    expect(uids(await get('labels.suite="override"'))).toEqual(['alice']);
  });

  test('jsonPayload fields: nested objects, arrays, numbers and booleans as text, case-insensitive strings', async () => {
    expect(uids(await get('jsonPayload.meta.region="eu"'))).toEqual(['alice', 'alice']);
    expect(uids(await get('jsonPayload.meta.tags = "mfa"'))).toEqual(['alice']); // any element of an array
    expect(uids(await get('jsonPayload.attempt = "3"'))).toEqual(['bob']);
    expect(uids(await get('jsonPayload.ok = "false"'))).toEqual(['bob']);
    expect(uids(await get('jsonPayload.event = "LOGIN"'))).toEqual(['alice']); // strings compare without regard to case
    expect(uids(await get('jsonPayload.missing = "x"'))).toEqual([]); // a missing field never matches
    expect(uids(await get('labels."uid" = "bob"'))).toEqual(['bob']); // a quoted segment
  });

  test('timestamp ranges compare as instants, whatever the offset', async () => {
    const range = `timestamp >= ${quote(at(1).toISOString())} AND timestamp < ${quote(at(3).toISOString())}`;
    expect(uids(await get(range))).toEqual(['bob', 'alice']);
    const sameInstantInParis = new Date(at(2).getTime() + 3_600_000).toISOString().replace('Z', '+01:00');
    expect(uids(await get(`timestamp >= ${quote(sameInstantInParis)}`))).toEqual(['alice', 'mallory']);
    expect(uids(await get(`timestamp > ${quote(at(3).toISOString())}`))).toEqual([]);
    expect(uids(await get(`timestamp <= ${quote(at(0).toISOString())}`))).toEqual(['alice']);
  });

  test('OR, AND, parentheses and implicit AND, with Cloud Logging precedence', async () => {
    expect(uids(await get('(labels.event="login" OR labels.event="key_revoked") AND labels.uid="alice"'))).toHaveLength(2);
    // OR binds tighter than AND (and juxtaposition is AND): alice AND (login OR login_failed).
    const [only] = await get('labels.uid="alice" AND labels.event="login" OR labels.event="login_failed"');
    expect((only!.data as { event: string }).event).toBe('login');
    expect(uids(await get('labels.uid="bob" OR labels.uid="mallory" AND jsonPayload.event="weird"'))).toEqual(['mallory']);
  });

  test('NOT negates a clause; an entry without the field is not equal to anything', async () => {
    expect(uids(await get('NOT labels.uid="alice"'))).toEqual(['bob', 'mallory']);
    expect(uids(await get('NOT (labels.uid="alice" OR labels.uid="bob")'))).toEqual(['mallory']);
    expect(uids(await get('NOT jsonPayload.missing="x" AND labels.uid="bob"'))).toEqual(['bob']);
  });

  test('results are ordered by timestamp, descending on request', async () => {
    const all = 'labels.suite="filters" OR labels.suite="override"';
    expect(uids(await get(all, 'timestamp desc'))).toEqual(['mallory', 'alice', 'bob', 'alice']);
    expect(uids(await get(all, 'timestamp asc'))).toEqual(['alice', 'bob', 'alice', 'mallory']);
  });

  test('string values with quotes and backslashes are matched literally', async () => {
    expect(uids(await get(`jsonPayload.note=${quote(data.mallory.note)}`))).toEqual(['mallory']);
    expect(uids(await get(`jsonPayload.inj=${quote(data.mallory.inj)}`))).toEqual(['mallory']);
    // Spliced in unescaped this value would read as `labels.uid="" OR labels.uid="alice"`.
    expect(await get(`labels.uid=${quote('" OR labels.uid="alice')}`)).toEqual([]);
    expect(await get(`labels.uid=${quote('alice\\')}`)).toEqual([]);
  });

  test('a filter beyond what Keyward uses, or one it cannot parse, is INVALID_ARGUMENT', async () => {
    const bad = [
      'labels.suite:*',
      '-labels.uid="alice"',
      'labels.uid != "alice"',
      'severity >= WARNING',
      'jsonPayload.attempt >= "2"',
      'jsonPayload.ok = false',
      'labels.uid="alice" labels.event="login"', // implicit AND
      'insertId = "x"',
      'labels.event=',
      'labels.event="login" AND (labels.uid="alice"',
      'labels.event="unterminated',
      'labels.event="login" and labels.uid="alice"', // operators are upper case; "and" would be a global restriction
      '"just text"',
      'SEARCH("alice")',
      'jsonPayload.uid =~ "ali.*"',
      'labels.uid = ("alice" OR "bob")',
      'nosuchfield = "x"',
      'timestamp > "yesterday"',
      'severity >= SEVERE',
      'labels.uid = "bad \\q escape"',
    ];
    for (const filter of bad) {
      const err = await grpcFailure(log.getEntries({ filter, autoPaginate: false }));
      expect({ filter, code: err.code }).toEqual({ filter, code: INVALID_ARGUMENT });
      expect(err.details).toMatch(/^invalid filter at position \d+: .*(not supported by this emulator|expected|unknown escape|unterminated|RFC 3339)/);
    }
    expect((await grpcFailure(log.getEntries({ filter: 'labels.suite="filters"', orderBy: 'insertId', autoPaginate: false }))).code).toBe(INVALID_ARGUMENT);
  });
});

test('120 entries page through in 50s without duplicates or losses, even with writes in between', async () => {
  const log = logging.log('keyward-audit-paging');
  // Ten entries per second: ties on the timestamp are broken by insertId, consistently.
  const entries = Array.from({ length: 120 }, (_, i) =>
    log.entry({ resource: { type: 'global' }, timestamp: at(100 + Math.floor(i / 10)), labels: { batch: 'p', phase: 'first' } }, { i }),
  );
  await log.write(entries);

  const seen: number[] = [];
  const sizes: number[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < 10; page++) {
    const [got, , response] = await log.getEntries({ filter: 'labels.batch="p"', orderBy: 'timestamp asc', pageSize: 50, pageToken, autoPaginate: false });
    sizes.push(got.length);
    seen.push(...got.map((e) => (e.data as { i: number }).i));
    // A write that sorts before the cursor must not shift what is left to read (as an offset would).
    await log.write(log.entry({ resource: { type: 'global' }, timestamp: at(50), labels: { batch: 'p', phase: 'between' } }, { i: -1 - page }));
    pageToken = response.nextPageToken ?? undefined;
    if (!pageToken) break;
  }
  expect(sizes).toEqual([50, 50, 20]);
  expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => i));

  // Descending, paginated by the client in pages of the default size (50): three calls.
  const before = emulator.stats().calls.ListLogEntries!;
  const [all] = await log.getEntries({ filter: 'labels.batch="p" AND labels.phase="first"', orderBy: 'timestamp desc', autoPaginate: true });
  expect(all.map((e) => (e.data as { i: number }).i)).toEqual(Array.from({ length: 120 }, (_, i) => 119 - i));
  expect(emulator.stats().calls.ListLogEntries! - before).toBe(3);

  // A token carries its order.
  const [, , first] = await log.getEntries({ filter: 'labels.batch="p"', orderBy: 'timestamp asc', pageSize: 50, autoPaginate: false });
  const mismatch = await grpcFailure(log.getEntries({ filter: 'labels.batch="p"', orderBy: 'timestamp desc', pageSize: 50, pageToken: first.nextPageToken!, autoPaginate: false }));
  expect(mismatch.code).toBe(INVALID_ARGUMENT);
});

test('DeleteLog removes a log; a missing one is NOT_FOUND', async () => {
  const log = logging.log('keyward-audit-delete');
  await log.write(log.entry({ resource: { type: 'global' } }, { uid: 'x' }));
  expect(await log.getEntries({ autoPaginate: false }).then(([e]) => e.length)).toBe(1);
  await log.delete();
  expect(await log.getEntries({ autoPaginate: false }).then(([e]) => e.length)).toBe(0);
  expect((await grpcFailure(log.delete())).code).toBe(NOT_FOUND);
});

test('methods the emulator does not implement fail with UNIMPLEMENTED naming the method', async () => {
  const err = await grpcFailure(logging.getLogs());
  expect(err.code).toBe(UNIMPLEMENTED);
  expect(err.details).toContain('ListLogs');
});

test('stats count calls, stored entries and their serialized bytes', () => {
  const stats = emulator.stats();
  expect(stats.calls.WriteLogEntries).toBe(1 + 1 + 1 + 3 + 1);
  expect(stats.calls.DeleteLog).toBe(2);
  // warm-up + its diagnostic entry, 4 filter entries, 120 + 3 paging entries, 1 deleted (still counted)
  expect(stats.entries).toBe(2 + 4 + 123 + 1);
  expect(stats.bytes).toBeGreaterThan(stats.entries * 50);
});
