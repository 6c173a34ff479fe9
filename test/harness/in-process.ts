// The same app the function serves, built in this process against the test stack's emulators
// and listening on a loopback port: for tests that look inside (read counters, caches).
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { buildApp } from '../../functions/src/app';
import { loadConfig } from '../../functions/src/config';
import { createServices, type ServiceOverrides, type Services } from '../../functions/src/services';
import { TEST_FUNCTIONS_ENV } from './ports';

export interface InProcessApp {
  url: string;
  services: Services;
  close(): Promise<void>;
}

export async function startInProcessApp(env: Record<string, string> = {}, overrides: ServiceOverrides = {}): Promise<InProcessApp> {
  const fullEnv = { ...process.env, ...TEST_FUNCTIONS_ENV, ...env };
  const services = createServices(loadConfig(fullEnv), fullEnv, { deliveryQueue: inProcessQueue, ...overrides });
  const server: Server = createServer(buildApp(services));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    services,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Usage counts are written on a timer: write them now, not after the test has ended.
      await services.useRecorder.flush().catch(() => undefined);
      // The app's audit chain ends here: its final checkpoint, so a verification sees it closed.
      await services.audit.close().catch(() => undefined);
    },
  };
}

/**
 * The task queue of an app in this process (there is no task function here): each task runs the
 * app's own handler after its delay, and again after a second when the handler fails, as Cloud
 * Tasks' retries would. The stack's functions use the real Cloud Tasks emulator.
 */
export function inProcessQueue(run: (task: { deliveryId: string; attempt: number }) => Promise<void>) {
  const queued = new Set<string>();
  const dispatch = (task: { deliveryId: string; attempt: number }, delayMs: number, tries = 0) => {
    setTimeout(() => {
      run(task).catch(() => {
        if (tries < 10) dispatch(task, 1000, tries + 1);
      });
    }, delayMs).unref();
  };
  return {
    async enqueue(task: { deliveryId: string; attempt: number }, delaySeconds: number) {
      const id = `${task.deliveryId}-${task.attempt}`;
      if (queued.has(id)) return;
      queued.add(id);
      dispatch(task, delaySeconds * 1000);
    },
  };
}
