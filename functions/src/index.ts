/**
 * The deployed functions: wiring only. Nothing heavy happens at import time: services and the
 * app are built on the first request (cold starts stay close to a bare function's).
 */
import { onCall, onRequest } from 'firebase-functions/v2/https';
import type { Express } from 'express';
import type { CallableHandler } from './callables';
import { lazy } from './lib/lazy';
import { keepBodiesUnparsed, restoreContentType } from './platform/unparsed-bodies';
import type { Services } from './services';

const region = 'us-central1';

// The REST API reads and checks its own request bodies: in its instances the runtime's body
// parsers must let them by (platform/unparsed-bodies.ts). FUNCTION_TARGET is set by Cloud Run
// functions and by the Functions emulator for each function's instances.
if (process.env.FUNCTION_TARGET === 'api') keepBodiesUnparsed();

const services = lazy((): Services => {
  const { loadConfig } = require('./config') as typeof import('./config');
  const { createServices } = require('./services') as typeof import('./services');
  const built = createServices(loadConfig());
  // Buffered audit entries are written before the instance stops (audit/shutdown.ts).
  (require('./audit/shutdown') as typeof import('./audit/shutdown')).flushOnSigterm(() => built.audit.close());
  return built;
});

/** The start of every request: this instance has CPU again, so overdue audit entries go out (audit/buffer.ts). */
const begin = (): Services => {
  const s = services();
  s.audit.tick();
  return s;
};

const app = lazy((): Express => (require('./app') as typeof import('./app')).buildApp(services()));

export const api = onRequest({ region, invoker: 'public' }, (req, res) => {
  restoreContentType(req);
  begin();
  return app()(req, res);
});

function callable<T>(handler: CallableHandler<T>) {
  return onCall({ region }, (request) => {
    const { runCallable } = require('./callables') as typeof import('./callables');
    return runCallable(begin(), request, handler);
  });
}

const idOf = (data: Record<string, unknown>) => (require('./callables') as typeof import('./callables')).idOf(data);

export const createApiKey = callable((identity, data, info) => services().keys.create(identity, data, info));
export const listApiKeys = callable(async (identity) => ({ keys: await services().keys.list(identity) }));
export const revokeApiKey = callable((identity, data, info) => services().keys.revoke(identity, idOf(data), info));
export const regenerateApiKey = callable((identity, data, info) => {
  const { id: _id, ...body } = data;
  return services().keys.regenerate(identity, idOf(data), body, info);
});
export const queryAuditLog = callable((identity, data) => services().auditLog.query(identity, data));
