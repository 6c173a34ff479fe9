/**
 * Canonical JSON: what an audit entry's chain hash covers (audit/chain.ts). Pure.
 * - objects: keys sorted by UTF-16 code units (JavaScript's default sort), no white space;
 * - strings, numbers, booleans, null: as `JSON.stringify` writes them;
 * - `undefined` members are left out (as `JSON.stringify` does); arrays keep their order.
 * Cloud Logging stores a jsonPayload as a protobuf Struct, which keeps values but not key order:
 * sorted keys let a verifier rebuild, from what Logging returns, the very bytes that were hashed
 * (docs/audit.md shows the few lines any auditor can write for it).
 */

// Performance (`npm run bench`: http.auditChainCpuUs): this runs on every access line. Keys of
// audit payloads are few and the same each time: their quoted forms are remembered (bounded), and
// a key list already in order is not sorted again.
const quoted = new Map<string, string>();
const MAX_QUOTED = 1024;

function quoteKey(k: string): string {
  let q = quoted.get(k);
  if (q === undefined) {
    q = JSON.stringify(k);
    if (quoted.size < MAX_QUOTED) quoted.set(k, q);
  }
  return q;
}

/** Insertion sort: cheaper than Array.prototype.sort for the handful of keys an audit object has. */
function sortedKeys(obj: object): string[] {
  const keys = Object.keys(obj);
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

/** Most audit strings need no escaping: they are quoted as they are (JSON.stringify would give the same). */
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

export function canonicalJson(value: unknown): string {
  if (typeof value === 'string') return PLAIN.test(value) ? `"${value}"` : JSON.stringify(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + (value[i] === undefined ? 'null' : canonicalJson(value[i]));
    return out + ']';
  }
  const obj = value as Record<string, unknown>;
  let out = '{';
  for (const k of sortedKeys(obj)) {
    const v = obj[k];
    if (v === undefined) continue;
    out += (out.length === 1 ? '' : ',') + quoteKey(k) + ':' + canonicalJson(v);
  }
  return out + '}';
}
