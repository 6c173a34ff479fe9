/**
 * The deployed functions: wiring only. At import the configuration is checked (a wrong setting
 * stops the instance, and so the deploy, naming it); services and the app are built on the first
 * request (cold starts stay close to a bare function's).
 */
import { onCall, onRequest, type HttpsOptions } from 'firebase-functions/v2/https';
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { onTaskDispatched } from 'firebase-functions/v2/tasks';
import type { Express } from 'express';
import type { CallableHandler } from './callables';
import { loadConfig } from './config';
import { lazy } from './lib/lazy';
import { instanceCounts, serviceAccount } from './params';
import { keepBodiesUnparsed, restoreContentType } from './platform/unparsed-bodies';
import type { Services } from './services';

const config = loadConfig();

/**
 * What each instance gets (docs/deploy.md#function-options). One CPU serves 80 concurrent
 * requests: Keyward's requests mostly wait on caches and I/O. The timeout is well above the
 * longest bounded wait (an audit read: 4 × KEYWARD_AUDIT_WRITE_TIMEOUT_MS). `maxInstances` caps
 * the bill; `minInstances` keeps instances warm when set; the runtime account holds only what
 * Keyward needs.
 */
const common: HttpsOptions = { region: 'us-central1', cpu: 1, concurrency: 80, timeoutSeconds: 60, ...instanceCounts(), serviceAccount };
// `cors: false`: the app answers CORS itself (http/cors.ts). Without it the Functions emulator
// wraps the function in a CORS layer that reflects every origin and answers every preflight, so
// what a browser may do locally would not be what it may do deployed.
const apiOptions: HttpsOptions = { ...common, memory: '512MiB', invoker: 'public', cors: false };
const callableOptions: HttpsOptions = { ...common, memory: '256MiB' };

// The REST API reads and checks its own request bodies: in its instances the runtime's body
// parsers must let them by (platform/unparsed-bodies.ts). FUNCTION_TARGET is set by Cloud Run
// functions and by the Functions emulator for each function's instances.
if (process.env.FUNCTION_TARGET === 'api') keepBodiesUnparsed();

const services = lazy((): Services => {
  const { createServices } = require('./services') as typeof import('./services');
  const built = createServices(config);
  // This instance's audit chain ends with a signed final checkpoint (audit/checkpointer.ts).
  (require('./platform/shutdown') as typeof import('./platform/shutdown')).sealOnSigterm(built.audit);
  return built;
});

/** The start of every request: use counts overdue on this instance go out (keys/use-recorder.ts). */
const begin = (): Services => {
  const s = services();
  s.useRecorder.tick();
  return s;
};

const app = lazy((): Express => (require('./app') as typeof import('./app')).buildApp(services()));

export const api = onRequest(apiOptions, (req, res) => {
  restoreContentType(req);
  // The runtime's own Express app (the Functions Framework, the emulator) announces itself; ours does not.
  res.removeHeader('X-Powered-By');
  begin();
  return app()(req, res);
});

function callable<T>(name: string, handler: CallableHandler<T>) {
  return onCall(callableOptions, (request) => {
    const { runCallable } = require('./callables') as typeof import('./callables');
    return runCallable(begin(), request, handler, name);
  });
}

const idOf = (data: Record<string, unknown>) => (require('./callables') as typeof import('./callables')).idOf(data);

const teamOf = (data: Record<string, unknown>) => (require('./callables') as typeof import('./callables')).teamOf(data);

// Each takes what its REST counterpart takes, `team` included (POST /v1/keys, GET /v1/keys?team=, /v1/usage, /v1/audit).
export const createApiKey = callable('createApiKey', (identity, data, info) => services().keys.create(identity, data, info));
export const listApiKeys = callable('listApiKeys', async (identity, data) => ({ keys: await services().keys.list(identity, teamOf(data)) }));
export const revokeApiKey = callable('revokeApiKey', (identity, data, info) => services().keys.revoke(identity, idOf(data), info));
export const regenerateApiKey = callable('regenerateApiKey', (identity, data, info) => {
  const { id: _id, ...body } = data;
  return services().keys.regenerate(identity, idOf(data), body, info);
});
export const queryAuditLog = callable('queryAuditLog', (identity, data) => services().auditLog.query(identity, data));
export const updateApiKey = callable('updateApiKey', (identity, data, info) => {
  const { id: _id, ...body } = data;
  return services().keys.update(identity, idOf(data), body, info);
});
export const getUsage = callable('getUsage', (identity, data) => services().usage.query(identity, data));

/**
 * Hourly: notices to owners of keys that expire within 14 and within 3 days, each sent once
 * (notifications/expiry.ts). Hourly so that a key is noticed within the hour it crosses a threshold.
 */
export const keyExpiryNotices = onSchedule({ region: 'us-central1', maxInstances: 1, memory: '256MiB', serviceAccount, schedule: 'every 60 minutes' }, async () => {
  const result = await services().notifications.sendExpiryNotices();
  await services().audit.flush();
  console.log(JSON.stringify({ severity: 'INFO', message: 'key expiry notices', ...result }));
});

/**
 * Webhook delivery attempts (notifications/deliveries.ts): one task per attempt, which queues the
 * next attempt itself on the schedule (KEYWARD_WEBHOOK_SCHEDULE). The queue's own retries are for
 * faults only (Firestore unreachable, a task early for its attempt): a few, backing off from 5 s.
 * Deploying it enables the Cloud Tasks API.
 */
export const webhookDelivery = onTaskDispatched(
  {
    region: 'us-central1',
    memory: '256MiB',
    serviceAccount,
    timeoutSeconds: 60,
    retryConfig: { maxAttempts: 10, minBackoffSeconds: 5, maxBackoffSeconds: 600, maxDoublings: 5 },
    rateLimits: { maxConcurrentDispatches: 20 },
  },
  async (request) => {
    const { parseDeliveryTask, TooEarly } = require('./notifications/deliveries') as typeof import('./notifications/deliveries');
    const task = parseDeliveryTask(request.data);
    if (!task) return; // not a task Keyward queued: dropped, never retried
    try {
      await services().notifications.deliveries.run(task);
    } catch (err) {
      // The queue tries again later (retryConfig): early, or a dependency down.
      const { HttpsError } = require('firebase-functions/v2/https') as typeof import('firebase-functions/v2/https');
      throw new HttpsError('unavailable', err instanceof TooEarly ? 'not due yet' : 'attempt not recorded');
    } finally {
      await services().audit.flush();
    }
  },
);
