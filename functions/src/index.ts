/**
 * The deployed functions: wiring only. Nothing heavy happens at import time: services and the
 * app are built on the first request (cold starts stay close to a bare function's).
 */
import { onCall, onRequest } from 'firebase-functions/v2/https';
import type { Express } from 'express';
import type { CallableHandler } from './callables';
import { lazy } from './lib/lazy';
import { makeJsonParsingLenient } from './platform/lenient-json';
import type { Services } from './services';

const region = 'us-central1';

// The one thing done at import: the runtime builds its body parsers after loading this module.
makeJsonParsingLenient();

const services = lazy((): Services => {
  const { loadConfig } = require('./config') as typeof import('./config');
  const { createServices } = require('./services') as typeof import('./services');
  return createServices(loadConfig());
});

const app = lazy((): Express => (require('./app') as typeof import('./app')).buildApp(services()));

export const api = onRequest({ region, invoker: 'public' }, (req, res) => {
  return app()(req, res);
});

function callable<T>(handler: CallableHandler<T>) {
  return onCall({ region }, (request) => {
    const { runCallable } = require('./callables') as typeof import('./callables');
    return runCallable(services(), request, handler);
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
