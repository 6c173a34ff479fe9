/**
 * Small allow-list validators for request bodies: unknown fields are refused (no mass
 * assignment of owner, status, digests or dates), every string and list is capped.
 */
import { KeywardError } from '../errors';
import { hasLoneSurrogate } from './strict-json';

export type Body = Record<string, unknown>;

const bad = (message: string) => new KeywardError('invalid_request', message);

export function onlyFields(body: Body, allowed: readonly string[]): void {
  const extra = Object.keys(body).filter((k) => !allowed.includes(k));
  if (extra.length) throw bad(`Unknown field${extra.length > 1 ? 's' : ''}: ${extra.slice(0, 5).map((f) => f.slice(0, 40)).join(', ')}.`);
}

export function optionalString(body: Body, field: string, opts: { max: number; pattern?: RegExp; min?: number }): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw bad(`${field} must be a string.`);
  if (value.length < (opts.min ?? 0) || value.length > opts.max) throw bad(`${field} must be ${opts.min ?? 0} to ${opts.max} characters.`);
  if ((opts.pattern && !opts.pattern.test(value)) || hasLoneSurrogate(value)) throw bad(`${field} has characters that are not allowed.`);
  return value;
}

export function requiredString(body: Body, field: string, opts: { max: number; pattern?: RegExp; min?: number }): string {
  const value = optionalString(body, field, { min: 1, ...opts });
  if (value === undefined) throw bad(`${field} is required.`);
  return value;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2})))?$/;

/**
 * An ISO 8601 date (`2027-02-28`) or date-time with a zone (`2027-02-28T12:00:00Z`) as epoch ms;
 * undefined when malformed or when the date does not exist (`Date.parse` rolls `2027-02-30` over
 * to March 2).
 */
export function parseIsoDate(value: string): number | undefined {
  const m = ISO_DATE.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour = 0, minute = 0, second = 0, offH = 0, offM = 0] = m.slice(1).map((v) => (v === undefined ? undefined : Number(v))) as number[];
  const check = new Date(0);
  check.setUTCFullYear(year!, month! - 1, day!);
  if (check.getUTCMonth() !== month! - 1 || check.getUTCDate() !== day! || hour > 23 || minute > 59 || second > 59 || offH > 23 || offM > 59) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export function optionalInt(body: Body, field: string, min: number, max: number): number | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw bad(`${field} must be a whole number from ${min} to ${max}.`);
  }
  return value;
}

export function optionalStringList(
  body: Body,
  field: string,
  opts: { maxItems: number; maxLength: number; check?: (item: string) => boolean },
): string[] | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > opts.maxItems) throw bad(`${field} must be a list of at most ${opts.maxItems} strings.`);
  for (const item of value) {
    if (typeof item !== 'string' || item.length === 0 || item.length > opts.maxLength) {
      throw bad(`Each entry of ${field} must be a string of 1 to ${opts.maxLength} characters.`);
    }
    if ((opts.check && !opts.check(item)) || hasLoneSurrogate(item)) throw bad(`${field} has an invalid entry: ${JSON.stringify(item.slice(0, 64))}.`);
  }
  return [...new Set(value as string[])];
}
