import { memoized } from '../../../functions/src/lib/memo';

describe('memoized', () => {
  it('computes once per input, and gives what the function gives', () => {
    const seen: string[] = [];
    const upper = memoized((s) => (seen.push(s), s.toUpperCase()), 10);
    expect([upper('a'), upper('b'), upper('a'), upper('')]).toEqual(['A', 'B', 'A', '']);
    expect(seen).toEqual(['a', 'b', '']);
  });

  it('holds at most maxEntries: when full it starts again, and still answers right', () => {
    let calls = 0;
    const len = memoized((s) => (calls++, s.length), 2);
    len('a');
    len('bb');
    len('ccc'); // full: cleared, then ccc
    expect(calls).toBe(3);
    expect(len('ccc')).toBe(3);
    expect(calls).toBe(3);
    expect(len('a')).toBe(1); // forgotten with the clear
    expect(calls).toBe(4);
  });
});
