/**
 * Every Firestore call of the stores goes through `datastoreCall`: it waits at most
 * `timeoutMs` (config.dependencyTimeoutMs), and a Firestore that cannot be reached becomes the
 * contract's 503 `unavailable` with `Retry-After` (fail closed), not a 500 or a hung request.
 * Other errors (a malformed query: our bug) pass through unchanged.
 *
 * A write already sent when Firestore goes away is retried by the Firestore client in the
 * background (lib/deadline.ts), so it may still land after its request got the 503. Keyward's
 * writes come after a read of the same datastore in the same request (the owner's key list,
 * the key record), so during an outage a request fails at that read and sends no write; only an
 * outage that begins between the read and the write leaves that window.
 */
import { isKeywardError, unavailable } from '../errors';
import { withDeadline } from '../lib/deadline';

export const DEFAULT_DATASTORE_TIMEOUT_MS = 5000;

// gRPC codes that mean "Firestore could not serve this now", not "this request is wrong":
// CANCELLED (the channel went away), DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE.
const TRANSIENT = new Set([1, 4, 8, 10, 13, 14]);

export const datastoreUnavailable = (cause?: unknown) => unavailable('The datastore is unavailable; try again shortly.', cause);

export async function datastoreCall<T>(timeoutMs: number, op: () => Promise<T>): Promise<T> {
  try {
    return await withDeadline(op(), timeoutMs, () => datastoreUnavailable(new Error(`Firestore gave no answer within ${timeoutMs} ms`)));
  } catch (err) {
    if (!isKeywardError(err) && TRANSIENT.has((err as { code?: number }).code as number)) throw datastoreUnavailable(err);
    throw err;
  }
}

/** gRPC ALREADY_EXISTS: a `create()` of a document that is there. */
export const isAlreadyExists = (err: unknown): boolean => (err as { code?: number }).code === 6;

/** Runs a write that creates: true when it landed, false when ALREADY_EXISTS (another writer came first). */
export async function unlessAlreadyExists(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (err) {
    if (isAlreadyExists(err)) return false;
    throw err;
  }
}

/** Creates a document only if it is absent: true when this call made it, false when it was there. */
export const createIfAbsent = (ref: { create(data: Record<string, unknown>): Promise<unknown> }, data: Record<string, unknown>): Promise<boolean> =>
  unlessAlreadyExists(() => ref.create(data));
