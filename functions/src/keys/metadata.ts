/**
 * A key's `metadata` (POST /v1/keys, PATCH, the callables): a small JSON object the owner keeps
 * with the key, stored as a Firestore map. Pure. Everything Firestore would refuse is refused
 * first as 400 (the contract's schema asks here, contract/requests.ts), so a bad value is never a
 * failed write (500): Firestore nests maps and arrays at most 20 deep, has no empty field names and
 * reserves names like `__name__`, and cannot hold an array directly inside an array. Keyward keeps
 * the nesting well under Firestore's bound.
 */
export const MAX_METADATA_BYTES = 1024;
/** Levels of objects and arrays, `metadata` itself the first: `{"a":{"b":[1]}}` is 3. */
export const MAX_METADATA_DEPTH = 5;

/** Field names Firestore reserves (`__name__`, `__key__`, …). */
const RESERVED = /^__.*__$/;

const shown = (key: string) => JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);

/**
 * What Firestore could not store in a metadata object, said of `metadata` (`keys must not be
 * empty.`); undefined when it can. Anything but an object is left to the schema's type check.
 */
export function metadataProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  if (Buffer.byteLength(JSON.stringify(value), 'utf8') > MAX_METADATA_BYTES) return `must be at most ${MAX_METADATA_BYTES} bytes as JSON.`;
  return problemIn(value, 1, false);
}

function problemIn(value: unknown, depth: number, inArray: boolean): string | undefined {
  if (typeof value === 'number' && !Number.isFinite(value)) return 'numbers must be finite.';
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > MAX_METADATA_DEPTH) return `may nest objects and lists at most ${MAX_METADATA_DEPTH} levels deep (metadata itself is the first).`;
  if (Array.isArray(value)) {
    if (inArray) return 'may not hold a list directly inside a list (Firestore cannot store it); wrap the inner list in an object.';
    for (const item of value) {
      const problem = problemIn(item, depth + 1, true);
      if (problem) return problem;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key === '') return 'keys must not be empty.';
    if (RESERVED.test(key)) return `keys may not begin and end with two underscores (reserved by Firestore): ${shown(key)}.`;
    const problem = problemIn(item, depth + 1, false);
    if (problem) return problem;
  }
  return undefined;
}
