/**
 * The webhook delivery log, read and retried by people: `GET /v1/notifications/deliveries` lists
 * the caller's deliveries, newest first (an auditor or admin reads everyone's, or one user's with
 * `uid`); `POST /v1/notifications/deliveries/{id}/retry` makes one more attempt of the caller's own
 * failed or disabled delivery. Interactive credentials only, like the webhook itself: a key cannot
 * read where its owner's notices go. Someone else's delivery is "not found", so ids do not leak.
 * Retries are audited (`webhook.retry`); their attempts are audited like every attempt.
 */
import { auditRequest, type AuditSink } from '../audit/events';
import { hasClaims } from '../credentials/guard';
import { parseRequest } from '../contract/parse';
import { KeywardError } from '../errors';
import { isInteractive, type Identity } from '../identity';
import type { RequestContext } from '../request';
import type { DeliveryRecord, DeliveryStore } from '../store/webhook-deliveries';
import type { WebhookDeliveries } from './deliveries';

export interface DeliveryLogDeps {
  store: Pick<DeliveryStore, 'get' | 'list'>;
  deliveries: Pick<WebhookDeliveries, 'retry'>;
  audit: AuditSink;
}

const interactiveOnly = () => new KeywardError('interactive_credential_required', 'The delivery log is read with a session cookie or an ID token.');
const notFound = () => new KeywardError('not_found', 'No such delivery.');
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** What the log shows of a delivery: never its body's signature, nor the receiver's answer. */
export function deliveryView(d: DeliveryRecord) {
  return {
    id: d.id,
    ownerUid: d.ownerUid,
    event: d.event,
    keyId: d.keyId,
    endpoint: d.endpoint,
    state: d.state,
    createdAt: iso(d.createdAt)!,
    nextRetryAt: iso(d.nextRetryAt),
    attempts: d.attempts.map((a) => ({ at: iso(a.at)!, ...(a.status !== undefined ? { status: a.status } : { error: a.error ?? 'unknown' }), durationMs: a.durationMs })),
  };
}

function parseQuery(query: URLSearchParams): { uid?: string; pageSize: number; before?: number } {
  const q = parseRequest('deliveryQuery', Object.fromEntries(query));
  return { ...(q.uid !== undefined ? { uid: q.uid } : {}), pageSize: q.pageSize === undefined ? 50 : Number(q.pageSize), ...(q.pageToken !== undefined ? { before: Number(q.pageToken) } : {}) };
}

export function deliveryLog(deps: DeliveryLogDeps) {
  return {
    async list(identity: Identity, query: URLSearchParams) {
      if (!isInteractive(identity)) throw interactiveOnly();
      const q = parseQuery(query);
      const everyone = hasClaims(identity, { role: 'auditor' });
      if (!everyone && q.uid !== undefined && q.uid !== identity.uid) {
        throw new KeywardError('forbidden', "You can read only your own deliveries; reading other users' needs the auditor role.");
      }
      const owner = everyone ? q.uid : identity.uid;
      const page = await deps.store.list(owner, q.pageSize + 1, q.before);
      const shown = page.slice(0, q.pageSize);
      const more = page.length > q.pageSize;
      return { deliveries: shown.map(deliveryView), nextPageToken: more ? String(shown[shown.length - 1]!.createdAt) : null };
    },

    async retry(identity: Identity, id: string, info?: RequestContext) {
      if (!isInteractive(identity)) throw interactiveOnly();
      const rec = /^msg_[A-Za-z0-9_-]{1,64}$/.test(id) ? await deps.store.get(id) : undefined;
      if (!rec || rec.ownerUid !== identity.uid) throw notFound();
      const result = await deps.deliveries.retry(rec);
      if (result === 'busy') throw new KeywardError('conflict', 'This delivery is still being attempted.');
      if (result === 'no_webhook') throw new KeywardError('conflict', 'Your webhook is removed or disabled; set it again first.');
      await deps.audit
        .record({ event: 'webhook.retry', outcome: 'success', actor: { uid: identity.uid, method: identity.method }, target: { uid: rec.ownerUid, keyId: rec.keyId }, request: info && auditRequest(info), reason: `${rec.event} ${rec.id}` })
        .catch(() => undefined); // the retry stands; its attempt is audited on its own
      return deliveryView(result);
    },
  };
}

export type DeliveryLog = ReturnType<typeof deliveryLog>;
