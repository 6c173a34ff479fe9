/**
 * JSON that means one thing. `JSON.parse` lets the last of two equal keys win and accepts lone
 * UTF-16 surrogates (`"\ud800"`), which no UTF-8 store or log can hold. Either makes a request
 * say something other than what a reader of it sees, so both are refused. Pure.
 */

export type JsonProblem = 'duplicate_key' | 'lone_surrogate';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether a string holds a lone surrogate. */
export const hasLoneSurrogate = (s: string): boolean => LONE_SURROGATE.test(s);

/**
 * The first problem in a text that `JSON.parse` accepted, or undefined. One pass over the text:
 * each object's keys are decoded (escapes included) and compared within that object only.
 */
export function jsonProblem(text: string): JsonProblem | undefined {
  const objects: (Set<string> | null)[] = []; // null marks an array
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const value = JSON.parse(text.slice(i, j + 1)) as string;
      if (hasLoneSurrogate(value)) return 'lone_surrogate';
      const keys = objects[objects.length - 1];
      if (expectKey && keys) {
        if (keys.has(value)) return 'duplicate_key';
        keys.add(value);
      }
      expectKey = false;
      i = j;
    } else if (c === '{') {
      objects.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      objects.push(null);
    } else if (c === '}' || c === ']') {
      objects.pop();
    } else if (c === ',') {
      expectKey = objects[objects.length - 1] != null;
    }
  }
  return undefined;
}
