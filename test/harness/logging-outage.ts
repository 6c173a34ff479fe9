// Cloud Logging down for an app built in a test, then back: the app is given an address nothing
// listens on; `end()` opens a relay there to the stack's Logging emulator. An app whose outage never
// ended would stop with its last checkpoints in Firestore alone, which the run's verification
// (verify-run.ts) rightly reads as checkpoints missing from Logging.
import { connect, createServer, type Server } from 'node:net';
import { freePort } from './ports';

export interface LoggingOutage {
  /** For the app's CLOUD_LOGGING_EMULATOR_HOST. */
  host: string;
  /** Logging answers again at `host`. */
  end(): Promise<void>;
  /** Closes the relay (afterAll). */
  close(): Promise<void>;
}

export async function loggingOutage(): Promise<LoggingOutage> {
  const port = await freePort();
  let relay: Server | undefined;
  return {
    host: `127.0.0.1:${port}`,
    async end() {
      const [host, upstreamPort] = process.env.CLOUD_LOGGING_EMULATOR_HOST!.split(':');
      relay = createServer((client) => {
        const upstream = connect(Number(upstreamPort), host);
        client.pipe(upstream).pipe(client);
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
      });
      await new Promise<void>((resolve) => relay!.listen(port, '127.0.0.1', resolve));
    },
    close: () => new Promise<void>((resolve) => (relay ? relay.close(() => resolve()) : resolve())),
  };
}
