// The built functions package (functions/lib): the JavaScript the deployed function runs, not a
// transpiled copy of functions/src. `npm run bench` builds first; the types come from the sources.
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Services } from '../functions/src/services';

export const ROOT = resolve(__dirname, '..');
export const FUNCTIONS_DIR = join(ROOT, 'functions');
export const LIB = join(FUNCTIONS_DIR, 'lib');

function lib<T>(module: string): T {
  const file = join(LIB, `${module}.js`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` (npm run bench does)`);
  return require(file) as T;
}

export const fns = {
  app: () => lib<typeof import('../functions/src/app')>('app'),
  config: () => lib<typeof import('../functions/src/config')>('config'),
  services: () => lib<typeof import('../functions/src/services')>('services'),
  format: () => lib<typeof import('../functions/src/keys/format')>('keys/format'),
};

export interface BenchApp {
  url: string;
  services: Services;
  server: Server;
  close(): Promise<void>;
}

/**
 * One function instance: services and app built exactly as functions/src/index.ts does, listening
 * on a loopback port.
 */
export async function startApp(env: NodeJS.ProcessEnv): Promise<BenchApp> {
  const services = fns.services().createServices(fns.config().loadConfig(env), env);
  const app = fns.app().buildApp(services);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => app(req, res));
  // Longer than autocannon's runs: a keep-alive connection is never closed under the load generator.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    services,
    server,
    close: () =>
      (closing ??= (async () => {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        await services.audit.close().catch(() => undefined);
      })()),
  };
}
