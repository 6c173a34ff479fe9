/**
 * A key's `metadata` (POST /v1/keys, PATCH, the callables): a small JSON object the owner keeps
 * with the key, stored as a Firestore map. Pure. Everything Firestore would refuse is refused here
 * first as 400, so a bad value is never a failed write (500): Firestore nests maps and arrays at
 * most 20 deep, has no empty field names and reserves names like `__name__`, and cannot hold an
 * array directly inside an array. Keyward keeps the nesting well under Firestore's bound.
 */
import { invalidField } from '../errors';
import type { Body } from '../lib/validate';

export const MAX_METADATA_BYTES = 1024;
/** Levels of objects and arrays, `metadata` itself the first: `{"a":{"b":[1]}}` is 3. */
export const MAX_METADATA_DEPTH = 5;

/** Field names Firestore reserves (`__name__`, `__key__`, …). */
const RESERVED = /^__.*__$/;

const shown = (key: string) => JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);

/** A small JSON object (at most MAX_METADATA_BYTES as JSON, MAX_METADATA_DEPTH levels), or null to clear it. */
export function parseMetadata(body: Body): Record<string, unknown> | null | undefined {
  const value = body.metadata;
  if (value === undefined || value === null) return value;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidField('metadata', 'metadata must be a JSON object.');
  if (Buffer.byteLength(JSON.stringify(value), 'utf8') > MAX_METADATA_BYTES) throw invalidField('metadata', `metadata must be at most ${MAX_METADATA_BYTES} bytes as JSON.`);
  check(value, 1, false);
  return value as Record<string, unknown>;
}

function check(value: unknown, depth: number, inArray: boolean): void {
  if (typeof value === 'number' && !Number.isFinite(value)) throw invalidField('metadata', 'metadata numbers must be finite.');
  if (typeof value !== 'object' || value === null) return;
  if (depth > MAX_METADATA_DEPTH) throw invalidField('metadata', `metadata may nest objects and lists at most ${MAX_METADATA_DEPTH} levels deep (metadata itself is the first).`);
  if (Array.isArray(value)) {
    if (inArray) throw invalidField('metadata', 'metadata may not hold a list directly inside a list (Firestore cannot store it); wrap the inner list in an object.');
    for (const item of value) check(item, depth + 1, true);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key === '') throw invalidField('metadata', 'metadata keys must not be empty.');
    if (RESERVED.test(key)) throw invalidField('metadata', `metadata keys may not begin and end with two underscores (reserved by Firestore): ${shown(key)}.`);
    check(item, depth + 1, false);
  }
}
