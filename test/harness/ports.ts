// The test stack's addresses and the environment its functions run with. One place for both:
// the lead adds KEYWARD_* settings to TEST_FUNCTIONS_ENV as the functions grow them.
import { TEST_PORTS } from '../../scripts/stack';

export { TEST_PORTS };

export const TEST_PROJECT_ID = 'demo-keyward';

export const HOST = '127.0.0.1';
/**
 * Another origin than the site, for pages that embed `<keyward-api-keys>` with a `getIdToken`
 * callback (test/e2e/elements.test.ts serves one there): listed in KEYWARD_ALLOWED_ORIGINS below.
 */
export const OTHER_ORIGIN = `http://${HOST}:${TEST_PORTS.hosting + 13}`;

/** Environment of the functions under test (passed through by the Functions emulator). */
export const TEST_FUNCTIONS_ENV: Record<string, string> = {
  // Revocation and other cached lookups expire after 1 s instead of the production default.
  KEYWARD_CACHE_TTL_MS: '1000',
  // The Functions emulator serves each concurrent request in a new worker process with cold clients;
  // a burst of them on a small machine can take longer than the production default (5 s) for a first
  // Firestore call. A generous bound keeps those from failing closed; outages are tested in-process
  // with a short one (test/integration/hardening/faults.test.ts).
  KEYWARD_DEPENDENCY_TIMEOUT_MS: '15000',
  // The tests play many clients from one machine by naming them in X-Forwarded-For, as Hosting
  // does in production: locally the proxy in front (the Hosting emulator) is on loopback. Tests of
  // the trusted-proxy rule itself set their own ranges (test/integration/security/client-address.test.ts).
  KEYWARD_TRUSTED_PROXIES: 'loopback',
  // Usage counts are written at most once per key per 500 ms instead of once a minute, so a test
  // that counts its requests sees them stored within a second (test/integration/keys/usage.test.ts).
  KEYWARD_USAGE_FLUSH_MS: '500',
  // Every test request comes from 127.0.0.1, and these limits are shared by all instances: the
  // suite as a whole would exceed them. Tests of the limits set their own (in-process apps).
  KEYWARD_FAILURE_LIMIT: '1000000',
  KEYWARD_SESSION_LIMIT: '1000000',
  KEYWARD_KEY_CREATE_LIMIT: '1000000',
  // Audit chains are signed every 5 s instead of every minute, so a test sees its entries covered (test/integration/audit/chain.test.ts).
  KEYWARD_AUDIT_CHECKPOINT_MS: '5000',
  // The API answers CORS for this origin's pages (functions/src/http/cors.ts).
  KEYWARD_ALLOWED_ORIGINS: OTHER_ORIGIN,
  // Audit reads poll the log until entries arrive (test/integration/audit/support.ts): the read
  // budgets would refuse a suite's worth of them, and the short cache would answer each poll with
  // the page before. The budgets and the cache are tested with their own settings
  // (test/integration/audit/read-budget.test.ts).
  KEYWARD_AUDIT_READS_PER_MINUTE: '1000000',
  KEYWARD_AUDIT_USER_READS_PER_MINUTE: '1000000',
  KEYWARD_AUDIT_READ_CACHE_MS: '0',
  // Webhook retries after 1 s and 2 s instead of 5 s, 5 min, ...: a test sees a receiver's third attempt (test/integration/notifications/).
  KEYWARD_WEBHOOK_SCHEDULE: '0,1,2',
};

/** Hosting: the console and the REST API under /v1 (same origin as in production). */
export const BASE_URL = `http://${HOST}:${TEST_PORTS.hosting}`;
export const AUTH_EMULATOR_URL = `http://${HOST}:${TEST_PORTS.auth}`;

/** A loopback port nobody listens on right now: for a dependency that is down, or one to start. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, HOST, r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
