/**
 * The deployed functions: wiring only. Nothing heavy happens at import time: the app and its
 * clients are built on the first request (cold starts stay close to a bare function's).
 */
import { onRequest } from 'firebase-functions/v2/https';
import type { Express } from 'express';
import { lazy } from './lib/lazy';

const app = lazy((): Express => {
  const { loadConfig } = require('./config') as typeof import('./config');
  const { createServices } = require('./services') as typeof import('./services');
  const { buildApp } = require('./app') as typeof import('./app');
  return buildApp(createServices(loadConfig()));
});

export const api = onRequest({ region: 'us-central1', invoker: 'public' }, (req, res) => app()(req, res));
