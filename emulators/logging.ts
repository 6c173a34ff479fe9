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
 * Filter language (a faithful subset of the Logging query language):
 *   comparisons `field op value`, op one of = != > < >= <= : ; `field:*` tests presence;
 *   values are "double-quoted" (escapes \" \\ \n \t \r \uXXXX) or bare words/numbers;
 *   NOT / - negate, OR, AND, and juxtaposition (implicit AND); parentheses.
 *   Precedence as in Cloud Logging: NOT, then OR, then AND (`a OR b c` is `(a OR b) AND c`).
 *   String comparisons are case-insensitive (as documented); timestamps compare as instants,
 *   severities by level. A comparison on a field the entry does not have is false, whatever the
 *   operator (so `NOT labels.x = "y"` matches entries without labels.x, `labels.x != "y"` does not).
 *   Not supported (INVALID_ARGUMENT): global restrictions (bare values), regular expressions
 *   (=~ !~), functions (SEARCH, sample, …), value lists `field = (a OR b)`, protoPayload fields.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { implementService, invalid, loadProtos, notFound, packageRoot, serviceDefinition, startGrpcServer, type UnaryImpl } from './protos';

export interface LoggingEmulator {
  port: number;
  stop(): Promise<void>;
  /** `entries` and `bytes` count what WriteLogEntries stored since start (DeleteLog does not subtract). */
  stats(): { calls: Record<string, number>; entries: number; bytes: number };
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
  };
}

// ---------------------------------------------------------------------------------------------
// Messages as proto-loader decodes them (LOADER_OPTIONS): only what the emulator reads.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
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
// Filter: tokenizer

type TokenKind = 'lparen' | 'rparen' | 'op' | 'string' | 'word' | 'minus' | 'and' | 'or' | 'not' | 'eof';
interface Token {
  kind: TokenKind;
  text: string; // the operator, the unescaped string, or the word as written
  pos: number;
  end: number;
  /** For words: the dotted path segments (a segment may be a quoted string: labels."a.b"). */
  segments?: string[];
}

const OPERATORS = ['>=', '<=', '!=', '=~', '!~', '=', '<', '>', ':'] as const;
type Operator = (typeof OPERATORS)[number];
const SPECIAL = new Set(['(', ')', '"', '=', '!', '<', '>', ':', '\\']);
const MAX_FILTER_LENGTH = 20000;

export class FilterError extends Error {}

function fail(pos: number, message: string): never {
  throw new FilterError(`invalid filter at position ${pos + 1}: ${message}`);
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === '(' || c === ')') {
      tokens.push({ kind: c === '(' ? 'lparen' : 'rparen', text: c, pos: start, end: ++i });
      continue;
    }
    if (c === '"') {
      const [text, next] = readString(input, i);
      tokens.push({ kind: 'string', text, pos: start, end: next });
      i = next;
      continue;
    }
    const op = OPERATORS.find((o) => input.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', text: op, pos: start, end: (i += op.length) });
      continue;
    }
    if (c === '-') {
      tokens.push({ kind: 'minus', text: c, pos: start, end: ++i });
      continue;
    }
    if (SPECIAL.has(c)) fail(i, `unexpected character '${c}'`);
    // A word: a bare value or a dotted field path whose segments may be quoted strings.
    const segments: string[] = [];
    let segment = '';
    let quotedSegment = false; // a quoted segment must be followed by '.' or end the word
    while (i < input.length) {
      const d = input[i]!;
      if (d === '"' && segment === '' && segments.length > 0) {
        const [text, next] = readString(input, i);
        segment = text;
        quotedSegment = true;
        i = next;
      } else if (d === '.') {
        segments.push(segment);
        segment = '';
        quotedSegment = false;
        i++;
      } else if (!isSpace(d) && !SPECIAL.has(d)) {
        if (quotedSegment) fail(i, `expected '.' after the quoted path segment "${segment}"`);
        segment += d;
        i++;
      } else break;
    }
    segments.push(segment);
    const text = input.slice(start, i);
    const kind: TokenKind = text === 'AND' ? 'and' : text === 'OR' ? 'or' : text === 'NOT' ? 'not' : 'word';
    tokens.push({ kind, text, pos: start, end: i, segments });
  }
  tokens.push({ kind: 'eof', text: '', pos: input.length, end: input.length });
  return tokens;
}

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', t: '\t', r: '\r', "'": "'", '/': '/' };

/** Reads the double-quoted string starting at `start`; returns [unescaped text, index after it]. */
function readString(input: string, start: number): [string, number] {
  let out = '';
  let i = start + 1;
  while (i < input.length) {
    const c = input[i]!;
    if (c === '"') return [out, i + 1];
    if (c === '\\') {
      const e = input[i + 1];
      if (e === undefined) break;
      if (e === 'u') {
        const hex = input.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail(i, 'a \\u escape needs four hex digits');
        out += String.fromCharCode(parseInt(hex, 16));
        i += 6;
        continue;
      }
      const mapped = ESCAPES[e];
      if (mapped === undefined) fail(i, `unknown escape '\\${e}' in a string`);
      out += mapped;
      i += 2;
      continue;
    }
    out += c;
    i++;
  }
  return fail(start, 'unterminated string');
}

// ---------------------------------------------------------------------------------------------
// Filter: parser (recursive descent)

export interface Literal {
  text: string;
  quoted: boolean;
}
export type FilterNode =
  | { kind: 'all' }
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'compare'; path: string[]; op: Operator; value: Literal; pos: number };

const MAX_DEPTH = 100;

export function parseFilter(input: string): FilterNode {
  if (input.length > MAX_FILTER_LENGTH) throw new FilterError(`invalid filter: longer than ${MAX_FILTER_LENGTH} characters`);
  const tokens = tokenize(input);
  let at = 0;
  const peek = () => tokens[at]!;
  const next = () => tokens[at++]!;

  const startsTerm = (t: Token) => t.kind === 'lparen' || t.kind === 'word' || t.kind === 'string' || t.kind === 'not' || t.kind === 'minus';

  // Cloud Logging precedence: NOT binds tightest, then OR, then AND (explicit or juxtaposed).
  function conjunction(depth: number): FilterNode {
    let node = disjunction(depth);
    for (;;) {
      const t = peek();
      if (t.kind === 'and') next();
      else if (!startsTerm(t)) return node;
      node = { kind: 'and', left: node, right: disjunction(depth) };
    }
  }

  function disjunction(depth: number): FilterNode {
    let node = unary(depth);
    while (peek().kind === 'or') {
      next();
      node = { kind: 'or', left: node, right: unary(depth) };
    }
    return node;
  }

  function unary(depth: number): FilterNode {
    if (depth > MAX_DEPTH) fail(peek().pos, `nested deeper than ${MAX_DEPTH} levels`);
    const t = peek();
    if (t.kind === 'not' || t.kind === 'minus') {
      next();
      return { kind: 'not', operand: unary(depth + 1) };
    }
    return primary(depth);
  }

  function primary(depth: number): FilterNode {
    const t = next();
    if (t.kind === 'lparen') {
      if (peek().kind === 'rparen') fail(peek().pos, 'empty parentheses');
      const inner = conjunction(depth + 1);
      const close = next();
      if (close.kind !== 'rparen') fail(close.pos, `expected ')' to close the '(' at position ${t.pos + 1}, found ${describe(close)}`);
      return inner;
    }
    if (t.kind === 'string') {
      fail(t.pos, `global restrictions (a bare value like "${t.text}") are not supported by this emulator; compare a field, e.g. jsonPayload.message:"${t.text}"`);
    }
    if (t.kind !== 'word') fail(t.pos, `expected a comparison, found ${describe(t)}`);
    const op = next();
    if (op.kind === 'lparen') fail(t.pos, `functions (${t.text}(…)) are not supported by this emulator`);
    if (op.kind !== 'op') {
      fail(op.pos, `expected a comparison operator after '${t.text}', found ${describe(op)} (global restrictions are not supported)`);
    }
    if (op.text === '=~' || op.text === '!~') fail(op.pos, `regular expression operators (${op.text}) are not supported by this emulator`);
    const path = t.segments ?? [t.text];
    if (path.some((s) => s === '')) fail(t.pos, `'${t.text}' is not a field path`);
    return { kind: 'compare', path, op: op.text as Operator, value: literal(), pos: t.pos };
  }

  function literal(): Literal {
    const t = next();
    if (t.kind === 'string') return { text: t.text, quoted: true };
    if (t.kind === 'word') return { text: t.text, quoted: false };
    if (t.kind === 'minus') {
      const w = next();
      // A negative number: the minus sign must touch the word.
      if (w.kind === 'word' && w.pos === t.end) return { text: `-${w.text}`, quoted: false };
      fail(t.pos, `expected a value after '-'`);
    }
    if (t.kind === 'lparen') {
      fail(t.pos, 'value lists like field = ("a" OR "b") are not supported by this emulator; write field = "a" OR field = "b"');
    }
    return fail(t.pos, `expected a value, found ${describe(t)}`);
  }

  if (peek().kind === 'eof') return { kind: 'all' };
  const root = conjunction(0);
  const rest = peek();
  if (rest.kind !== 'eof') fail(rest.pos, `unexpected ${describe(rest)}`);
  return root;
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'the end of the filter';
    case 'string':
      return `the string "${t.text}"`;
    default:
      return `'${t.text}'`;
  }
}

// ---------------------------------------------------------------------------------------------
// Filter: evaluation

type Predicate = (e: StoredEntry) => boolean;

const SEVERITIES = ['DEFAULT', 'DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY'] as const;
const SEVERITY_CODES = [0, 100, 200, 300, 400, 500, 600, 700, 800];

/** Parses and compiles `filter`; an error becomes INVALID_ARGUMENT. */
function compileFilter(filter: string): Predicate {
  try {
    return compile(parseFilter(filter));
  } catch (err) {
    if (err instanceof FilterError) throw invalid(err.message);
    throw err;
  }
}

export function compile(node: FilterNode): Predicate {
  switch (node.kind) {
    case 'all':
      return () => true;
    case 'and': {
      const [l, r] = [compile(node.left), compile(node.right)];
      return (e) => l(e) && r(e);
    }
    case 'or': {
      const [l, r] = [compile(node.left), compile(node.right)];
      return (e) => l(e) || r(e);
    }
    case 'not': {
      const p = compile(node.operand);
      return (e) => !p(e);
    }
    case 'compare':
      return compileComparison(node);
  }
}

type CompareNode = Extract<FilterNode, { kind: 'compare' }>;

function compileComparison(node: CompareNode): Predicate {
  const { path, op, value, pos } = node;
  const [head, ...tail] = path;
  const field = path.join('.');
  const presence = op === ':' && value.text === '*' && !value.quoted;
  const leafOnly = (kind: string) => {
    if (tail.length) fail(pos, `${head} is a ${kind}; it has no field ${tail.join('.')}`);
  };
  switch (head) {
    case 'timestamp':
    case 'receiveTimestamp': {
      leafOnly('timestamp');
      if (presence) return () => true;
      if (op === ':') fail(pos, `':' is not supported on ${head}; compare it with = < <= > >=`);
      const t = parseRfc3339(value.text);
      if (t === undefined) fail(pos, `${head} must be compared with an RFC 3339 time such as "2024-05-01T12:00:00Z", got "${value.text}"`);
      const test = ordering(op);
      return (e) => {
        const ts = head === 'timestamp' ? e.time : timestampNs(e.receiveTimestamp);
        return test(ts < t ? -1 : ts > t ? 1 : 0);
      };
    }
    case 'severity': {
      leafOnly('severity');
      if (presence) return () => true;
      if (op === ':') fail(pos, `':' is not supported on severity; compare it with = != < <= > >=`);
      const level = severityLevel(value.text);
      if (level === undefined) fail(pos, `unknown severity "${value.text}"; use one of ${SEVERITIES.join(', ')}`);
      const test = ordering(op);
      return (e) => test(Math.sign((severityLevel(e.severity) ?? 0) - level));
    }
    case 'logName':
    case 'insertId':
    case 'textPayload':
    case 'trace':
    case 'spanId':
      leafOnly('string');
      return matcher(op, value, pos, (e) => {
        const v = stringField(e, head);
        return v ? [v] : []; // proto3: an empty string is an unset field
      });
    case 'traceSampled':
      leafOnly('boolean');
      return matcher(op, value, pos, (e) => [e.rest.traceSampled]);
    case 'labels':
      return matcher(op, value, pos, (e) => lookup(e.labels, tail));
    case 'resource':
      if (tail[0] === 'type' && tail.length === 1) return matcher(op, value, pos, (e) => [e.resource.type]);
      if (tail[0] === 'labels') return matcher(op, value, pos, (e) => lookup(e.resource.labels, tail.slice(1)));
      if (tail.length === 0) return matcher(op, value, pos, (e) => [{ type: e.resource.type, labels: e.resource.labels }]);
      return fail(pos, `unknown field ${field}; resource has type and labels`);
    case 'jsonPayload':
      return matcher(op, value, pos, (e) => (e.payload?.kind === 'json' ? lookup(e.payload.value, tail) : []));
    case 'httpRequest':
    case 'operation':
    case 'sourceLocation':
      return matcher(op, value, pos, (e) => {
        const v = e.rest[head];
        return v ? lookup(v as JsonObject, tail) : [];
      });
    case 'protoPayload':
      return fail(pos, 'protoPayload fields are not supported by this emulator');
    default:
      return fail(pos, `unknown field ${field}`);
  }
}

function stringField(e: StoredEntry, name: 'logName' | 'insertId' | 'textPayload' | 'trace' | 'spanId'): string | undefined {
  switch (name) {
    case 'textPayload':
      return e.payload?.kind === 'text' ? e.payload.value : undefined;
    case 'logName':
    case 'insertId':
      return e[name];
    default:
      return e.rest[name];
  }
}

/** The values at `path` below `root`; arrays on the way fan out (a comparison matches any element). */
function lookup(root: Json | undefined, path: string[]): Json[] {
  let current: Json[] = root === undefined ? [] : [root];
  for (const segment of path) {
    const next: Json[] = [];
    for (const v of current.flatMap((c) => (Array.isArray(c) ? c : [c]))) {
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, segment)) next.push(v[segment]!);
    }
    current = next;
  }
  return current.flatMap((c) => (Array.isArray(c) ? c : [c]));
}

/** A comparison of generic (string, number, boolean, null, object) values; missing values never match. */
function matcher(op: Operator, lit: Literal, pos: number, values: (e: StoredEntry) => Json[]): Predicate {
  if (op === ':' && lit.text === '*' && !lit.quoted) return (e) => values(e).length > 0;
  const eq = (v: Json) => compareValue(v, lit) === 0;
  switch (op) {
    case '=':
      return (e) => values(e).some(eq);
    case '!=':
      return (e) => {
        const vs = values(e);
        return vs.length > 0 && !vs.some(eq);
      };
    case ':': {
      const needle = lit.text.toLowerCase();
      return (e) => values(e).some((v) => has(v, needle, lit));
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const test = ordering(op);
      return (e) =>
        values(e).some((v) => {
          const c = compareValue(v, lit);
          return c !== undefined && test(c);
        });
    }
    default:
      return fail(pos, `operator ${op} is not supported`);
  }
}

/** -1/0/1 comparing a field value with a literal, or undefined when they cannot be ordered. */
function compareValue(v: Json, lit: Literal): number | undefined {
  if (typeof v === 'string') {
    // int64 fields of decoded messages are strings: compare them as numbers against a number.
    const n = Number(lit.text);
    if (!lit.quoted && lit.text.trim() !== '' && Number.isFinite(n) && /^-?\d+$/.test(v)) return Math.sign(Number(v) - n);
    const [a, b] = [v.toLowerCase(), lit.text.toLowerCase()];
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof v === 'number') {
    const n = Number(lit.text);
    return lit.text.trim() !== '' && Number.isFinite(n) ? Math.sign(v - n) : undefined;
  }
  if (typeof v === 'boolean') {
    const t = lit.text.toLowerCase();
    return t === 'true' || t === 'false' ? (String(v) === t ? 0 : undefined) : undefined;
  }
  if (v === null) return lit.text === 'NULL_VALUE' && !lit.quoted ? 0 : undefined;
  return undefined; // objects and lists only support ':'
}

/** The has operator: case-insensitive substring on strings, equality on scalars, any leaf of an object. */
function has(v: Json, needle: string, lit: Literal): boolean {
  if (typeof v === 'string') return v.toLowerCase().includes(needle);
  if (v === null || typeof v !== 'object') return compareValue(v, lit) === 0;
  return (Array.isArray(v) ? v : Object.values(v)).some((x) => has(x, needle, lit));
}

function ordering(op: Operator): (c: number) => boolean {
  switch (op) {
    case '=':
      return (c) => c === 0;
    case '!=':
      return (c) => c !== 0;
    case '<':
      return (c) => c < 0;
    case '<=':
      return (c) => c <= 0;
    case '>':
      return (c) => c > 0;
    case '>=':
      return (c) => c >= 0;
    default:
      throw new FilterError(`operator ${op} does not order values`);
  }
}

/** Level of a severity given by name (any case) or by its numeric code (e.g. 500 for ERROR). */
function severityLevel(text: string): number | undefined {
  const byName = SEVERITIES.indexOf(text.toUpperCase() as (typeof SEVERITIES)[number]);
  if (byName >= 0) return SEVERITY_CODES[byName];
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

function timestampNs(t: TimestampIn): bigint {
  return BigInt(t.seconds) * 1_000_000_000n + BigInt(t.nanos);
}

/** An RFC 3339 date-time (with Z or an offset, up to nanoseconds) as ns since the epoch. */
export function parseRfc3339(text: string): bigint | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  const sameDay = check.getUTCFullYear() === year && check.getUTCMonth() === month - 1 && check.getUTCDate() === day;
  if (!sameDay || hour > 23 || minute > 59 || second > 60) return undefined;
  const offsetMinutes = m[8] ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  const fraction = BigInt((m[7] ?? '').padEnd(9, '0'));
  return (BigInt(ms) - BigInt(offsetMinutes) * 60_000n) * 1_000_000n + fraction;
}
