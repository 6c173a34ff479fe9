// What a call ended with, as a value a test can compare: the error code it was refused with.

/** Keyward's error code a promise is rejected with, or 'ok'. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

/** The error code a synchronous call throws, or undefined when it returns. */
export function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

/** The gRPC status code a call fails with (undefined when it succeeds), and its message. */
export async function grpcFailure(call: Promise<unknown>): Promise<{ code?: number; details?: string }> {
  try {
    await call;
    return {};
  } catch (err) {
    const { code, details } = err as { code?: number; details?: string };
    return { code, details };
  }
}
