/**
 * Small allow-list validators for request bodies: unknown fields are refused (no mass
 * assignment of owner, status, digests or dates), every string and list is capped.
 */
import { invalidField } from '../errors';
import { hasLoneSurrogate } from './strict-json';

export type Body = Record<string, unknown>;


export function onlyFields(body: Body, allowed: readonly string[]): void {
  const extra = Object.keys(body).filter((k) => !allowed.includes(k));
  if (extra.length) throw invalidField(extra[0]!, `Unknown field${extra.length > 1 ? 's' : ''}: ${extra.slice(0, 5).map((f) => f.slice(0, 40)).join(', ')}.`);
}

export function optionalString(body: Body, field: string, opts: { max: number; pattern?: RegExp; min?: number }): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidField(field, `${field} must be a string.`);
  if (value.length < (opts.min ?? 0) || value.length > opts.max) throw invalidField(field, `${field} must be ${opts.min ?? 0} to ${opts.max} characters.`);
  if ((opts.pattern && !opts.pattern.test(value)) || hasLoneSurrogate(value)) throw invalidField(field, `${field} has characters that are not allowed.`);
  return value;
}

export function requiredString(body: Body, field: string, opts: { max: number; pattern?: RegExp; min?: number }): string {
  const value = optionalString(body, field, { min: 1, ...opts });
  if (value === undefined) throw invalidField(field, `${field} is required.`);
  return value;
}

/** Dates have one parser (lib/iso-date.ts); create imports it from here. */
export { parseIsoDate } from './iso-date';

export function optionalInt(body: Body, field: string, min: number, max: number): number | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidField(field, `${field} must be a whole number from ${min} to ${max}.`);
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
  if (!Array.isArray(value) || value.length > opts.maxItems) throw invalidField(field, `${field} must be a list of at most ${opts.maxItems} strings.`);
  for (const item of value) {
    if (typeof item !== 'string' || item.length === 0 || item.length > opts.maxLength) {
      throw invalidField(field, `Each entry of ${field} must be a string of 1 to ${opts.maxLength} characters.`);
    }
    if ((opts.check && !opts.check(item)) || hasLoneSurrogate(item)) throw invalidField(field, `${field} has an invalid entry: ${JSON.stringify(item.slice(0, 64))}.`);
  }
  return [...new Set(value as string[])];
}
