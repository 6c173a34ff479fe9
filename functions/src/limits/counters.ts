/**
 * The shared counters limits are counted on: the port (store/limit-counters.ts is the Firestore
 * implementation every instance shares; test/harness/memory-stores.ts the in-memory twin).
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
