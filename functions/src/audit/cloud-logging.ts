/**
 * Audit entries in Cloud Logging (log `keyward-audit`) with the official client.
 * Lifecycle events are written before the response; access events are queued and written in
 * batches (see flush policy in the audit helper notes).
 */
import type { Logging } from '@google-cloud/logging';
import type { Config } from '../config';
import { lazy } from '../lib/lazy';
import { grpcInsecure } from '../lib/emulator-hosts';
import type { AuditEvent, AuditSink } from './events';

export function loggingClient(config: Config, env: NodeJS.ProcessEnv): () => Logging {
  return lazy(() => {
    const { Logging } = require('@google-cloud/logging') as typeof import('@google-cloud/logging');
    const host = env.CLOUD_LOGGING_EMULATOR_HOST;
    if (!host) return new Logging({ projectId: config.projectId });
    const [apiEndpoint, port] = host.split(':');
    // sslCreds is passed through to google-gax although LoggingOptions does not declare it.
    return new Logging({ projectId: config.projectId, apiEndpoint, port: Number(port), sslCreds: grpcInsecure() } as ConstructorParameters<typeof Logging>[0]);
  });
}

export function cloudLoggingAudit(config: Config, env: NodeJS.ProcessEnv): AuditSink {
  const logging = loggingClient(config, env);
  const log = lazy(() => logging().log(config.auditLogName));
  const queue: AuditEvent[] = [];
  const entry = (e: AuditEvent) =>
    log().entry(
      { resource: { type: 'global' }, severity: e.outcome === 'success' ? 'INFO' : 'WARNING', labels: { event: e.event } },
      { ...e },
    );
  return {
    async record(e) {
      await log().write(entry(e));
    },
    access(e) {
      queue.push(e);
    },
    async flush() {
      const batch = queue.splice(0, queue.length);
      if (batch.length) await log().write(batch.map(entry));
    },
  };
}
