/**
 * The Cloud Logging filter language as the local Logging emulator (emulators/logging.ts) speaks
 * it: the subset Keyward writes (functions/src/audit/filter.ts) and its tests read back, with
 * Cloud Logging's meaning, and nothing more. `=` on logName, labels.<name> and jsonPayload.<path>
 * (strings compare without regard to case, arrays match any element, a missing field never
 * matches); = < <= > >= on timestamp (RFC 3339, compared as instants); NOT, AND, OR (binding
 * tighter than AND, as in Cloud Logging) and parentheses; values "double-quoted" (escapes \" \\
 * \n \t \r). Anything else is a FilterError naming what is supported, which the emulator answers
 * as INVALID_ARGUMENT, so a test never silently gets a wrong answer. Pure: no gRPC here.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export class FilterError extends Error {}

function fail(pos: number, message: string): never {
  throw new FilterError(`invalid filter at position ${pos + 1}: ${message}`);
}

const UNSUPPORTED = 'not supported by this emulator, which takes = on logName, labels.* and jsonPayload.*, = < <= > >= on timestamp, NOT, AND, OR and parentheses';
const MAX_FILTER_LENGTH = 20000;
const MAX_DEPTH = 100;

type TokenKind = 'lparen' | 'rparen' | 'op' | 'string' | 'field' | 'and' | 'or' | 'not' | 'eof';
interface Token {
  kind: TokenKind;
  /** The operator, the unescaped string, or the field as written. */
  text: string;
  pos: number;
  /** For fields: the dotted path, a segment possibly quoted (labels."a.b"). */
  segments?: string[];
}

export interface Literal {
  text: string;
  quoted: boolean;
}

export type FilterNode =
  | { kind: 'all' }
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'compare'; path: string[]; op: Operator; value: Literal; pos: number };

type Operator = '=' | '<' | '<=' | '>' | '>=';
const OPERATORS: readonly Operator[] = ['<=', '>=', '=', '<', '>'];
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', t: '\t', r: '\r' };

/** Reads the double-quoted string starting at `start`; returns [unescaped text, index after it]. */
function readString(input: string, start: number): [string, number] {
  let out = '';
  for (let i = start + 1; i < input.length; i++) {
    const c = input[i]!;
    if (c === '"') return [out, i + 1];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = input[++i];
    if (next === undefined || !(next in ESCAPES)) fail(i, `unknown escape \\${next ?? ''}`);
    out += ESCAPES[next];
  }
  return fail(start, 'unterminated string');
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: c === '(' ? 'lparen' : 'rparen', text: c, pos: i++ });
    } else if (c === '"') {
      const [text, end] = readString(input, i);
      tokens.push({ kind: 'string', text, pos: i });
      i = end;
    } else if ('=<>'.includes(c)) {
      const op = OPERATORS.find((o) => input.startsWith(o, i))!;
      tokens.push({ kind: 'op', text: op, pos: i });
      i += op.length;
    } else if (/[A-Za-z]/.test(c)) {
      const pos = i;
      const segments: string[] = [];
      for (;;) {
        if (input[i] === '"') {
          const [text, end] = readString(input, i);
          segments.push(text);
          i = end;
        } else {
          const m = /^[A-Za-z0-9_]+/.exec(input.slice(i));
          if (!m) fail(i, `a field name is expected, not "${input[i] ?? 'the end'}"`);
          segments.push(m[0]);
          i += m[0].length;
        }
        if (input[i] !== '.') break;
        i++;
      }
      const text = input.slice(pos, i);
      if (text === 'AND' || text === 'OR' || text === 'NOT') tokens.push({ kind: text === 'AND' ? 'and' : text === 'OR' ? 'or' : 'not', text, pos });
      else tokens.push({ kind: 'field', text, pos, segments });
    } else {
      fail(i, `"${c}" is ${UNSUPPORTED}`);
    }
  }
  tokens.push({ kind: 'eof', text: '', pos: input.length });
  return tokens;
}

/**
 * filter := conj; conj := disj ("AND" disj)*; disj := term ("OR" term)*;
 * term := "NOT" term | "(" conj ")" | field op "string". NOT binds tightest, then OR, then AND,
 * as in Cloud Logging.
 */
export function parseFilter(input: string): FilterNode {
  if (input.length > MAX_FILTER_LENGTH) fail(0, `longer than ${MAX_FILTER_LENGTH} characters`);
  const tokens = tokenize(input);
  if (tokens[0]!.kind === 'eof') return { kind: 'all' };
  let at = 0;
  const peek = () => tokens[at]!;
  const next = () => tokens[at++]!;
  const expect = (kind: TokenKind, what: string) => {
    const t = next();
    if (t.kind !== kind) fail(t.pos, `${what} expected, not ${t.kind === 'eof' ? 'the end' : `"${t.text}"`}`);
    return t;
  };
  const binary = (kind: 'and' | 'or', operand: (depth: number) => FilterNode) => (depth: number): FilterNode => {
    let node = operand(depth);
    while (peek().kind === kind) {
      next();
      node = { kind, left: node, right: operand(depth) };
    }
    return node;
  };
  const term = (depth: number): FilterNode => {
    if (depth > MAX_DEPTH) fail(peek().pos, 'nested too deeply');
    const t = next();
    if (t.kind === 'not') return { kind: 'not', operand: term(depth + 1) };
    if (t.kind === 'lparen') {
      const inner = conj(depth + 1);
      expect('rparen', '")"');
      return inner;
    }
    if (t.kind !== 'field') fail(t.pos, `a comparison expected, not ${t.kind === 'eof' ? 'the end' : `"${t.text}"`}; anything else is ${UNSUPPORTED}`);
    const op = expect('op', 'an operator') as Token;
    const value = next();
    if (value.kind !== 'string') fail(value.pos, `a "double-quoted" value expected after ${t.text} ${op.text}; anything else is ${UNSUPPORTED}`);
    return { kind: 'compare', path: t.segments!, op: op.text as Operator, value: { text: value.text, quoted: true }, pos: t.pos };
  };
  const disj = binary('or', term);
  const conj: (depth: number) => FilterNode = binary('and', disj);
  const node = conj(0);
  const rest = peek();
  if (rest.kind !== 'eof') fail(rest.pos, `"${rest.text}" after a complete clause: join clauses with AND or OR (implicit AND is ${UNSUPPORTED})`);
  return node;
}

// ---------------------------------------------------------------------------------------------
// Filter: evaluation

/** What a filter reads of a stored entry. */
export interface FilterableEntry {
  time: bigint; // ns since the epoch
  logName: string;
  labels: Record<string, string>;
  payload?: { kind: string; value: unknown };
}

export type Predicate = (e: FilterableEntry) => boolean;

/** A parsed filter as a test of one entry. */
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

function compileComparison({ path, op, value, pos }: Extract<FilterNode, { kind: 'compare' }>): Predicate {
  const [head, ...tail] = path;
  if (head === 'timestamp' && tail.length === 0) {
    const t = parseRfc3339(value.text);
    if (t === undefined) fail(pos, `timestamp must be compared with an RFC 3339 time such as "2024-05-01T12:00:00Z", got "${value.text}"`);
    const test = ORDERING[op];
    return (e) => test(e.time < t ? -1 : e.time > t ? 1 : 0);
  }
  if (op !== '=') fail(pos, `${op} on ${path.join('.')} is ${UNSUPPORTED}`);
  // Cloud Logging compares strings without regard to case (audit/read.ts re-checks uids exactly).
  const needle = value.text.toLowerCase();
  const equals = (v: Json) => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && String(v).toLowerCase() === needle;
  if (head === 'logName' && tail.length === 0) return (e) => e.logName.toLowerCase() === needle;
  if (head === 'labels' && tail.length === 1) return (e) => lookup(e.labels, tail).some(equals);
  if (head === 'jsonPayload' && tail.length > 0) return (e) => e.payload?.kind === 'json' && lookup(e.payload.value as Json, tail).some(equals);
  return fail(pos, `the field ${path.join('.')} is ${UNSUPPORTED}`);
}

const ORDERING: Record<Operator, (c: number) => boolean> = {
  '=': (c) => c === 0,
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
};

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
