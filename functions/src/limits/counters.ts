/**
 * The shared counters limits are counted on: the port, and an in-memory twin for unit tests
 * (store/limit-counters.ts is the Firestore implementation every instance shares).
 */

export interface CounterStore {
  /**
   * Adds `n` to counter `id` (creating it at 0) and returns its value at or after this addition:
   * never less than the value this addition produced. The counter may be deleted after `expireAt`.
   */
  add(id: string, n: number, expireAt: number): Promise<number>;
  /** The counter's current value (0 when it does not exist). */
  read(id: string): Promise<number>;
  /** True for exactly one caller per `id`, across every instance: a once-per-window marker. */
  once(id: string, expireAt: number): Promise<boolean>;
  readonly stats: { reads: number; writes: number };
}

/** Counters in this process's memory: exact, for unit tests of the rules. */
export function memoryCounters(): CounterStore & { values: Map<string, number> } {
  const values = new Map<string, number>();
  const marks = new Set<string>();
  const stats = { reads: 0, writes: 0 };
  return {
    values,
    stats,
    async add(id, n) {
      stats.writes++;
      stats.reads++;
      const value = (values.get(id) ?? 0) + n;
      values.set(id, value);
      return value;
    },
    async read(id) {
      stats.reads++;
      return values.get(id) ?? 0;
    },
    async once(id) {
      stats.writes++;
      if (marks.has(id)) return false;
      marks.add(id);
      return true;
    },
  };
}
