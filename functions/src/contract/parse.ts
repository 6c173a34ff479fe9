/**
 * Requests validated by their contract schemas (contract/requests.ts). The schemas and zod load
 * on the first request that needs them, never at instance start (cold start, bench/cold-start.ts):
 * this module imports them only as types.
 *
 * A refusal is the contract's 400 `invalid_request`, naming the first wrong field as a JSON
 * pointer. Unknown fields are named first (no mass assignment, whatever else is wrong); a wrong
 * entry of a list names the list.
 */
import type { z } from 'zod';
import type * as Requests from './requests';
import { KeywardError } from '../errors';

type Schemas = typeof Requests.REQUESTS;
export type RequestName = keyof Schemas;
export type RequestOf<N extends RequestName> = z.output<Schemas[N]>;

let requests: typeof Requests | undefined;
const load = () => (requests ??= require('./requests') as typeof Requests);

/** The request `name` as its schema reads it; throws 400 `invalid_request` with `field` otherwise. */
export function parseRequest<N extends RequestName>(name: N, input: unknown): RequestOf<N> {
  const result = load().REQUESTS[name].safeParse(input, { error: generic, reportInput: true });
  if (result.success) return result.data as RequestOf<N>;
  throw refusal(result.error.issues);
}

/** Messages for what a schema leaves unworded: said of the field (`name must be a string.`). */
function generic(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required.';
      return TYPES[issue.expected] ?? 'has the wrong type.';
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}.`;
    case 'too_small':
      return `must be at least ${String(issue.minimum)}${issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' entries' : ''} long.`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}${issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' entries' : ''} long.`;
    default:
      return NOT_ALLOWED;
  }
}
const NOT_ALLOWED = 'has characters that are not allowed.';
const TYPES: Record<string, string> = {
  string: 'must be a string.',
  number: 'must be a number.',
  int: 'must be a whole number.',
  boolean: 'must be true or false.',
  object: 'must be an object.',
  record: 'must be an object.',
  array: 'must be a list.',
};

function refusal(issues: readonly z.core.$ZodIssue[]): KeywardError {
  // Unknown fields first: the allow-list is the first rule of every body.
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!;
  // A list's entry is reported as the list (`/scopes`), as its message quotes the entry.
  const at = issue.path.findIndex((p) => typeof p !== 'string');
  const path = (at < 0 ? issue.path : issue.path.slice(0, at)) as string[];
  if (issue.code === 'unrecognized_keys') {
    const names = issue.keys.slice(0, 5).map((k) => k.slice(0, 40)).join(', ');
    const s = issue.keys.length > 1 ? 's' : '';
    const message = path.length ? `${path.join('.')} has unknown field${s}: ${names}.` : `Unknown field${s}: ${names}.`;
    return refused(message, [...path, issue.keys[0]!]);
  }
  const sentence = /^[A-Z]/.test(issue.message) || path.length === 0;
  return refused(sentence ? issue.message : `${path.join('.')} ${issue.message}`, path);
}

function refused(message: string, path: string[]): KeywardError {
  const field = path.length ? path.map((p) => `/${p.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('') : undefined;
  return new KeywardError('invalid_request', message, field === undefined ? {} : { field });
}
