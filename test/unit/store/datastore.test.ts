// store/datastore.ts: a Firestore call that does not answer in time, or answers "unavailable",
// becomes the contract's 503; what the caller got wrong (or our own bug) is not disguised as one.
import { KeywardError } from '../../../functions/src/errors';
import { statusOf } from '../../../functions/src/http/errors';
import { datastoreCall } from '../../../functions/src/store/datastore';

const grpcError = (code: number) => Object.assign(new Error(`${code} SOMETHING: detail`), { code });

async function outcome(p: Promise<unknown>): Promise<{ code?: string; status?: number; grpc?: number; value?: unknown }> {
  try {
    return { value: await p };
  } catch (err) {
    return err instanceof KeywardError ? { code: err.code, status: statusOf(err) } : { grpc: (err as { code?: number }).code };
  }
}

describe('datastoreCall', () => {
  it('passes the answer through', async () => {
    expect(await outcome(datastoreCall(1000, async () => 42))).toEqual({ value: 42 });
  });

  it('gives up after the timeout with 503 unavailable and Retry-After', async () => {
    const started = Date.now();
    const never = new Promise<never>(() => undefined);
    const err = await datastoreCall(100, () => never).catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err).toBeInstanceOf(KeywardError);
    expect(err).toMatchObject({ code: 'unavailable', details: { retryAfterSeconds: 5 } });
  });

  it('maps the gRPC codes of an unreachable or overloaded Firestore to 503', async () => {
    for (const code of [1, 4, 8, 10, 13, 14]) {
      expect(await outcome(datastoreCall(1000, async () => Promise.reject(grpcError(code))))).toEqual({ code: 'unavailable', status: 503 });
    }
  });

  it('leaves other errors alone: a bad request to Firestore is a fault, not an outage', async () => {
    for (const code of [3, 5, 6, 7, 9]) expect(await outcome(datastoreCall(1000, async () => Promise.reject(grpcError(code))))).toEqual({ grpc: code });
    const own = new KeywardError('conflict', 'Already there.');
    expect(await outcome(datastoreCall(1000, async () => Promise.reject(own)))).toEqual({ code: 'conflict', status: 409 });
  });

  it('a call that throws before it returns a promise is handled the same way', async () => {
    expect(await outcome(datastoreCall(1000, () => { throw grpcError(14); }))).toEqual({ code: 'unavailable', status: 503 });
  });

  it('leaves no timer behind once the call has answered', async () => {
    jest.useFakeTimers();
    try {
      await datastoreCall(60_000, async () => 'done');
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});
