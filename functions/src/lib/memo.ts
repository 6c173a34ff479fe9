/**
 * A bounded memo of a pure function of a string. The hot path derives the same values request
 * after request (a client's address, a stored digest's bytes, a redacted field, a secret's
 * generation); each is computed once per distinct input. When full, the memo is cleared: cheaper
 * per lookup than an LRU, and the inputs still in use come back within a few requests.
 */
export function memoized<V>(compute: (input: string) => V, maxEntries: number): (input: string) => V {
  const memo = new Map<string, V>();
  return (input) => {
    let value = memo.get(input);
    if (value === undefined) {
      if (memo.size >= maxEntries) memo.clear();
      value = compute(input);
      memo.set(input, value);
    }
    return value;
  };
}
