// JSON that means one thing (functions/src/lib/strict-json.ts) and the body parser that uses it.
import fc from 'fast-check';
import { parseJsonObject } from '../../../functions/src/http/body';
import { jsonProblem } from '../../../functions/src/lib/strict-json';

const body = (text: string) => parseJsonObject(Buffer.from(text), 'application/json');
const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code;
  }
};

describe('strict JSON bodies', () => {
  it('refuses a repeated key at any depth, written plainly or escaped', () => {
    expect(codeOf(() => body('{"name":"a","name":"b"}'))).toBe('invalid_json');
    expect(codeOf(() => body('{"name":"a","n\\u0061me":"b"}'))).toBe('invalid_json');
    expect(codeOf(() => body('{"a":{"x":1,"x":2}}'))).toBe('invalid_json');
    expect(codeOf(() => body('{"a":[{"x":1},{"x":2}],"b":{"x":1}}'))).toBe('ok');
    expect(codeOf(() => body('{"a":"{\\"a\\":1,\\"a\\":2}"}'))).toBe('ok');
  });

  it('refuses a lone UTF-16 surrogate in a key or a value, accepts a pair', () => {
    expect(codeOf(() => body('{"name":"\\ud800"}'))).toBe('invalid_json');
    expect(codeOf(() => body('{"\\udc00":1}'))).toBe('invalid_json');
    expect(codeOf(() => body('{"name":"x\\ud83d"}'))).toBe('invalid_json');
    expect(codeOf(() => body('{"name":"\\ud83d\\ude00"}'))).toBe('ok');
  });

  it('finds no problem in any object without repeats, and always finds a repeat', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const text = JSON.stringify(obj);
        expect(jsonProblem(text)).toBeUndefined();
        const keys = Object.keys(obj);
        if (keys.length > 0) expect(jsonProblem(`${text.slice(0, -1)},${JSON.stringify(keys[0])}:1}`)).toBe('duplicate_key');
      }),
      { numRuns: 300 },
    );
  });
});
