/**
 * A local, in-memory Cloud Logging (google.logging.v2.LoggingServiceV2) for the official
 * `@google-cloud/logging` client: WriteLogEntries, ListLogEntries (filter, order, paging) and
 * DeleteLog. Every other method answers UNIMPLEMENTED, and any filter it cannot parse or evaluate
 * faithfully answers INVALID_ARGUMENT, so a test never silently gets a wrong answer.
 *
 * Client side (see ENVIRONMENT.md): new Logging({ projectId, apiEndpoint: '127.0.0.1', port,
 * sslCreds: require('google-gax').grpc.credentials.createInsecure() }). `sslCreds` is not in
 * LoggingOptions' type but is passed through to google-gax; the credentials must come from the
 * grpc-js copy google-gax uses (grpc-js checks `instanceof ChannelCredentials`).
 *
 * Filters: what Keyward writes (functions/src/audit/filter.ts) and its tests read back, with
 * Cloud Logging's meaning: `=` on logName, labels.<name> and jsonPayload.<path> (strings compare
 * without regard to case, arrays match any element, a missing field never matches); = < <= > >=
 * on timestamp (RFC 3339, compared as instants); NOT, AND, OR (binding tighter than AND, as in
 * Cloud Logging) and parentheses; values "double-quoted" (escapes \" \\ \n \t \r). Anything else
 * (-, :, !=, severity, bare values, implicit AND, functions, other fields) is INVALID_ARGUMENT
 * naming what is supported, so a test never silently gets a wrong answer.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { compile, FilterError, parseFilter, type Json } from './logging-filter';
import { implementService, invalid, loadProtos, notFound, packageRoot, serviceDefinition, startGrpcServer, type UnaryImpl } from './protos';

/** The filter language has a module of its own; tests read it from either. */
export { FilterError, parseFilter, type FilterNode } from './logging-filter';

export interface LoggingEmulator {
  port: number;
  stop(): Promise<void>;
  /** `entries` and `bytes` count what WriteLogEntries stored since start (DeleteLog does not subtract). */
  stats(): { calls: Record<string, number>; entries: number; bytes: number };
  /** Tests only: the store changed behind the API's back, as someone with Logging rights could (test/integration/audit/chain.test.ts). */
  tamper: Tamper;
}

/** An entry as a tampering test sees and changes it: the jsonPayload and the time. */
export interface TamperedEntry {
  logName: string;
  insertId: string;
  timestamp: { seconds: string; nanos: number };
  jsonPayload?: JsonObject;
}

export interface Tamper {
  /** Copies of the stored entries, in store order. */
  entries(): TamperedEntry[];
  /** Removes the entries `match` selects; returns how many. */
  remove(match: (e: TamperedEntry) => boolean): number;
  /** Applies `change` to the entry with this insertId (its payload and time as they are stored); false when none. */
  update(insertId: string, change: (e: TamperedEntry) => void): boolean;
}

export async function startLoggingEmulator(opts: { host?: string; port: number }): Promise<LoggingEmulator> {
  // The protos ship in @google-cloud/logging-api, a dependency of @google-cloud/logging.
  const protoDir = join(packageRoot('@google-cloud/logging-api', packageRoot('@google-cloud/logging')), 'build', 'protos');
  const defs = loadProtos(protoDir, 'google/logging/v2/logging.proto');
  const service = serviceDefinition(defs, 'google.logging.v2.LoggingServiceV2');
  const store = new LogStore(entrySizer(service));
  const calls: Record<string, number> = {};
  const impl = implementService(service, store.handlers(), calls, 'Cloud Logging');
  const server = await startGrpcServer(opts.host ?? '127.0.0.1', opts.port, [[service, impl]]);
  return {
    port: server.port,
    stop: () => server.stop(),
    stats: () => ({ calls: { ...calls }, entries: store.writtenEntries, bytes: store.writtenBytes }),
    tamper: store.tamper(),
  };
}

// ---------------------------------------------------------------------------------------------
// Messages as proto-loader decodes them (LOADER_OPTIONS): only what the emulator reads.

type JsonObject = { [key: string]: Json };

interface TimestampIn {
  seconds: string;
  nanos: number;
}
interface ValueIn {
  kind?: string;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: StructIn;
  listValue?: { values?: ValueIn[] };
}
interface StructIn {
  fields?: Record<string, ValueIn>;
}
interface ResourceIn {
  type: string;
  labels: Record<string, string>;
}
interface LogEntryIn {
  logName: string;
  resource: ResourceIn | null;
  payload?: 'protoPayload' | 'textPayload' | 'jsonPayload';
  protoPayload?: unknown;
  textPayload?: string;
  jsonPayload?: StructIn;
  timestamp: TimestampIn | null;
  severity: string;
  insertId: string;
  labels: Record<string, string>;
  httpRequest: object | null;
  operation: object | null;
  trace: string;
  spanId: string;
  traceSampled: boolean;
  sourceLocation: object | null;
  split: object | null;
}
interface WriteRequest {
  logName: string;
  resource: ResourceIn | null;
  labels: Record<string, string>;
  entries: LogEntryIn[];
  partialSuccess: boolean;
  dryRun: boolean;
}
interface ListRequest {
  resourceNames: string[];
  filter: string;
  orderBy: string;
  pageSize: number;
  pageToken: string;
}

// ---------------------------------------------------------------------------------------------
// Storage

type Payload = { kind: 'json'; value: JsonObject } | { kind: 'text'; value: string } | { kind: 'proto'; value: unknown } | undefined;

interface StoredEntry {
  seq: number; // arrival order: the last tie-breaker, so ordering (and paging) is total
  time: bigint; // timestamp in ns since the epoch
  logName: string;
  resource: ResourceIn;
  timestamp: TimestampIn;
  receiveTimestamp: TimestampIn;
  severity: string;
  insertId: string;
  labels: Record<string, string>;
  payload: Payload;
  // Passed through untouched: decoded messages re-encode as they came.
  rest: Pick<LogEntryIn, 'httpRequest' | 'operation' | 'trace' | 'spanId' | 'traceSampled' | 'sourceLocation' | 'split'>;
}

const LOG_NAME = /^(projects|organizations|folders|billingAccounts)\/[^/]+\/logs\/[^/]+$/;
const RESOURCE_NAME = /^(projects|organizations|folders|billingAccounts)\/[^/]+$/;
const DEFAULT_PAGE = 50;
const MAX_PAGE = 1000;

class LogStore {
  private readonly entries: StoredEntry[] = [];
  private readonly seen = new Set<string>();
  private seq = 0;
  private generatedIds = 0;
  private readonly insertPrefix = randomBytes(4).toString('hex');
  writtenEntries = 0;
  writtenBytes = 0;

  constructor(private readonly sizeOf: (entry: object) => number) {}

  handlers(): Record<string, UnaryImpl> {
    return {
      WriteLogEntries: (r: WriteRequest) => this.write(r),
      ListLogEntries: (r: ListRequest) => this.list(r),
      DeleteLog: (r: { logName: string }) => this.deleteLog(r.logName),
    };
  }

  tamper(): Tamper {
    const view = (e: StoredEntry): TamperedEntry => ({
      logName: e.logName,
      insertId: e.insertId,
      timestamp: { ...e.timestamp },
      ...(e.payload?.kind === 'json' ? { jsonPayload: JSON.parse(JSON.stringify(e.payload.value)) as JsonObject } : {}),
    });
    return {
      entries: () => this.entries.map(view),
      remove: (match) => {
        let n = 0;
        for (let i = this.entries.length - 1; i >= 0; i--) {
          if (!match(view(this.entries[i]!))) continue;
          this.entries.splice(i, 1);
          n++;
        }
        return n;
      },
      update: (insertId, change) => {
        const e = this.entries.find((x) => x.insertId === insertId);
        if (!e) return false;
        const v = view(e);
        change(v);
        e.timestamp = v.timestamp;
        e.time = BigInt(v.timestamp.seconds) * 1_000_000_000n + BigInt(v.timestamp.nanos);
        if (v.jsonPayload) e.payload = { kind: 'json', value: v.jsonPayload };
        return true;
      },
    };
  }

  private write(r: WriteRequest): object {
    if (!r.entries.length) throw invalid('entries: at least one log entry is required');
    const receivedAt = Date.now();
    const accepted: StoredEntry[] = [];
    const rejected: string[] = [];
    for (const [i, e] of r.entries.entries()) {
      const logName = e.logName || r.logName;
      const resource = e.resource ?? r.resource;
      const problem = !logName
        ? 'log_name is required (on the entry or the request)'
        : !LOG_NAME.test(logName)
          ? `log_name "${logName}" is not of the form projects/<project>/logs/<log-id>`
          : !resource?.type
            ? 'resource.type is required (on the entry or the request)'
            : e.payload === 'protoPayload'
              ? 'proto_payload is not supported by the local Cloud Logging emulator'
              : undefined;
      if (problem || !resource) {
        rejected.push(`[${i}] ${problem}`);
        continue;
      }
      const timestamp = e.timestamp ?? toTimestamp(BigInt(receivedAt) * 1_000_000n);
      accepted.push({
        seq: 0,
        time: BigInt(timestamp.seconds) * 1_000_000_000n + BigInt(timestamp.nanos),
        logName,
        resource: { type: resource.type, labels: { ...resource.labels } },
        timestamp,
        receiveTimestamp: toTimestamp(BigInt(receivedAt) * 1_000_000n),
        severity: e.severity,
        insertId: e.insertId || this.newInsertId(),
        labels: { ...r.labels, ...e.labels }, // the entry's own labels win
        payload: payloadOf(e),
        rest: {
          httpRequest: e.httpRequest,
          operation: e.operation,
          trace: e.trace,
          spanId: e.spanId,
          traceSampled: e.traceSampled,
          sourceLocation: e.sourceLocation,
          split: e.split,
        },
      });
    }
    if (r.dryRun) {
      if (rejected.length) throw invalid(`${rejected.length} of ${r.entries.length} log entries are invalid: ${rejected.join('; ')}`);
      return {};
    }
    if (rejected.length && !r.partialSuccess) {
      throw invalid(`${rejected.length} of ${r.entries.length} log entries are invalid, none written: ${rejected.join('; ')}`);
    }
    for (const entry of accepted) {
      // The service treats entries with the same log, timestamp and insertId as duplicates.
      const key = `${entry.logName}\u0000${entry.time}\u0000${entry.insertId}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      entry.seq = ++this.seq;
      this.entries.push(entry);
      this.writtenEntries += 1;
      this.writtenBytes += this.sizeOf(entryOut(entry));
    }
    if (rejected.length) {
      throw invalid(`${rejected.length} of ${r.entries.length} log entries are invalid, the others were written: ${rejected.join('; ')}`);
    }
    return {};
  }

  private newInsertId(): string {
    return `${this.insertPrefix}${(++this.generatedIds).toString(36).padStart(8, '0')}`;
  }

  private list(r: ListRequest): object {
    if (!r.resourceNames.length) throw invalid('resource_names: at least one resource name is required');
    for (const name of r.resourceNames) {
      if (!RESOURCE_NAME.test(name)) {
        throw invalid(
          `resource_names: "${name}" is not supported; use projects/<project> (organizations/, folders/, billingAccounts/ also work; log views do not)`,
        );
      }
    }
    const order = parseOrderBy(r.orderBy);
    if (r.pageSize < 0) throw invalid('page_size must not be negative');
    const size = Math.min(r.pageSize || DEFAULT_PAGE, MAX_PAGE);
    const matches = compileFilter(r.filter);
    const cursor = r.pageToken ? decodePageToken(r.pageToken, order) : undefined;
    const prefixes = r.resourceNames.map((n) => `${n}/logs/`);
    const sign = order === 'asc' ? 1 : -1;
    const selected = this.entries
      .filter((e) => prefixes.some((p) => e.logName.startsWith(p)))
      .filter((e) => !cursor || sign * compareKeys(keyOf(e), cursor) > 0)
      .filter(matches)
      .sort((a, b) => sign * compareKeys(keyOf(a), keyOf(b)));
    const page = selected.slice(0, size);
    const last = page[page.length - 1];
    return {
      entries: page.map(entryOut),
      nextPageToken: selected.length > page.length && last ? encodePageToken(order, keyOf(last)) : '',
    };
  }

  private deleteLog(logName: string): object {
    if (!LOG_NAME.test(logName)) throw invalid(`log_name "${logName}" is not of the form projects/<project>/logs/<log-id>`);
    const before = this.entries.length;
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      if (e.logName !== logName) continue;
      this.seen.delete(`${e.logName}\u0000${e.time}\u0000${e.insertId}`);
      this.entries.splice(i, 1);
    }
    if (this.entries.length === before) throw notFound(`Log ${logName} not found`);
    return {};
  }
}

function payloadOf(e: LogEntryIn): Payload {
  if (e.payload === 'jsonPayload') return { kind: 'json', value: structToJson(e.jsonPayload ?? {}) };
  if (e.payload === 'textPayload') return { kind: 'text', value: e.textPayload ?? '' };
  return undefined;
}

function entryOut(e: StoredEntry): object {
  const payload =
    e.payload?.kind === 'json' ? { jsonPayload: jsonToStruct(e.payload.value) } : e.payload?.kind === 'text' ? { textPayload: e.payload.value } : {};
  return {
    logName: e.logName,
    resource: e.resource,
    ...payload,
    timestamp: e.timestamp,
    receiveTimestamp: e.receiveTimestamp,
    severity: e.severity,
    insertId: e.insertId,
    labels: e.labels,
    ...e.rest,
  };
}

/** Serialized size of one LogEntry: its ListLogEntriesResponse framing (tag + length) taken off. */
function entrySizer(service: grpc.ServiceDefinition): (entry: object) => number {
  const serialize = service.ListLogEntries!.responseSerialize;
  return (entry) => {
    const total = serialize({ entries: [entry] }).length;
    for (let lengthBytes = 1; lengthBytes <= 5; lengthBytes++) {
      const size = total - 1 - lengthBytes;
      if (varintLength(size) === lengthBytes) return size;
    }
    throw new Error(`cannot size a ${total}-byte entry`);
  };
}

function varintLength(n: number): number {
  let bytes = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    bytes += 1;
  }
  return bytes;
}

function toTimestamp(ns: bigint): TimestampIn {
  return { seconds: (ns / 1_000_000_000n).toString(), nanos: Number(ns % 1_000_000_000n) };
}

// google.protobuf.Struct <-> JSON. Decoded Values name their set member in `kind` (oneofs: true).
function structToJson(s: StructIn): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(s.fields ?? {})) out[k] = valueToJson(v);
  return out;
}

function valueToJson(v: ValueIn): Json {
  switch (v.kind) {
    case 'numberValue':
      return v.numberValue ?? 0;
    case 'stringValue':
      return v.stringValue ?? '';
    case 'boolValue':
      return v.boolValue ?? false;
    case 'structValue':
      return structToJson(v.structValue ?? {});
    case 'listValue':
      return (v.listValue?.values ?? []).map(valueToJson);
    default:
      return null; // nullValue, or no member set
  }
}

function jsonToStruct(o: JsonObject): object {
  const fields: Record<string, object> = {};
  for (const [k, v] of Object.entries(o)) fields[k] = jsonToValue(v);
  return { fields };
}

function jsonToValue(v: Json): object {
  if (v === null) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(jsonToValue) } };
  return { structValue: jsonToStruct(v) };
}

// ---------------------------------------------------------------------------------------------
// Ordering and page tokens

type Order = 'asc' | 'desc';
interface Key {
  time: bigint;
  insertId: string;
  seq: number;
}

function keyOf(e: StoredEntry): Key {
  return { time: e.time, insertId: e.insertId, seq: e.seq };
}

/** Timestamp first, then insertId (as the service does), then arrival order. */
function compareKeys(a: Key, b: Key): number {
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  if (a.insertId !== b.insertId) return a.insertId < b.insertId ? -1 : 1;
  return a.seq - b.seq;
}

function parseOrderBy(orderBy: string): Order {
  const words = orderBy.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return 'asc';
  if (words[0] === 'timestamp' && words.length <= 2) {
    const dir = (words[1] ?? 'asc').toLowerCase();
    if (dir === 'asc' || dir === 'desc') return dir;
  }
  throw invalid(`order_by "${orderBy}" is not supported; use "timestamp asc" or "timestamp desc"`);
}

// The token is the key of the last entry returned: the next page starts strictly after it, so
// entries written between calls never cause a duplicate or a skipped entry among earlier ones.
function encodePageToken(order: Order, k: Key): string {
  return Buffer.from(JSON.stringify({ o: order, t: k.time.toString(), i: k.insertId, s: k.seq })).toString('base64url');
}

function decodePageToken(token: string, order: Order): Key {
  let parsed: { o?: unknown; t?: unknown; i?: unknown; s?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    throw invalid('page_token is not a token this emulator issued');
  }
  const { o, t, i, s } = parsed;
  if (typeof t !== 'string' || !/^\d+$/.test(t) || typeof i !== 'string' || typeof s !== 'number') {
    throw invalid('page_token is not a token this emulator issued');
  }
  if (o !== order) throw invalid(`page_token was issued for order "timestamp ${String(o)}", the request asks for "timestamp ${order}"`);
  return { time: BigInt(t), insertId: i, seq: s };
}

// ---------------------------------------------------------------------------------------------
// Filter (the language: emulators/logging-filter.ts)

/** Parses and compiles `filter`; an error becomes INVALID_ARGUMENT. */
function compileFilter(filter: string): (e: StoredEntry) => boolean {
  try {
    return compile(parseFilter(filter));
  } catch (err) {
    if (err instanceof FilterError) throw invalid(err.message);
    throw err;
  }
}

