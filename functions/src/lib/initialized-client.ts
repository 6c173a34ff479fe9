/**
 * A Google Cloud client, initialized before first use, and replaced when initialization fails.
 * The generated clients (google-gax) build their stub on the first call, finding credentials
 * first; when that fails (no application default credentials, say), every later call on that
 * client rethrows the failure from a detached promise: an unhandled rejection, which stops a
 * Node process. Initializing here turns the failure into an ordinary rejected call (the caller
 * fails closed) and the next call tries a new client.
 */
export function initializedClient<C>(create: () => C, initialize: (client: C) => Promise<unknown>): () => Promise<C> {
  let ready: Promise<C> | undefined;
  return () =>
    (ready ??= (async () => {
      const client = create();
      await initialize(client);
      return client;
    })().catch((err: unknown) => {
      ready = undefined;
      throw err;
    }));
}
