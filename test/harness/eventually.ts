/**
 * The one way tests wait: on a condition, never for a fixed time. Calls `attempt` until `done`
 * accepts its value (by default, any truthy value) and returns that value; once `timeoutMs` has
 * passed it returns the last value instead, so the test's own assertion says what was seen.
 * Where the condition is the clock itself (a cache bound or a rate window measured from an event),
 * pass `() => Date.now() >= instant`.
 */
export interface Patience {
  timeoutMs?: number;
  /** Pause between attempts. */
  everyMs?: number;
}

export async function eventually<T>(attempt: () => T | Promise<T>, done: (value: T) => boolean = Boolean, { timeoutMs = 8000, everyMs = 100 }: Patience = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (done(value) || Date.now() >= deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Waits until the clock reaches `instant` (epoch ms): for bounds the contract measures from an event. */
export function reached(instant: number): Promise<boolean> {
  return eventually(() => Date.now() >= instant, Boolean, { timeoutMs: Math.max(0, instant - Date.now()) + 1000, everyMs: Math.min(100, Math.max(1, instant - Date.now())) });
}

/** `eventually` for a check that throws until it passes (an assertion, a port not yet free): its value, or its last error. */
export async function passes<T>(check: () => Promise<T>, patience?: Patience): Promise<T> {
  const last = await eventually(() => check().then((value) => ({ value }), (error: unknown) => ({ error })), (r) => 'value' in r, patience);
  if ('error' in last) throw last.error;
  return last.value;
}
