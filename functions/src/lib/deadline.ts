/**
 * Bounds how long a request waits on a call to a dependency. Needed for Firestore: its client
 * retries UNAVAILABLE with backoff for minutes (commits for up to 10; the policy is fixed inside
 * @google-cloud/firestore and firebase-admin passes no per-call options), so with Firestore down
 * a request would hang instead of failing closed. Past `ms` the caller gets
 * `onTimeout()`. The call itself is not cancelled: a read's late answer is dropped; for writes
 * see store/datastore.ts.
 */
export function withDeadline<T>(op: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([op, expired]).finally(() => clearTimeout(timer));
}
