/**
 * Webhook deliveries, at least once, through a task queue (Cloud Tasks): each notice becomes a
 * logged delivery (store/webhook-deliveries.ts) and a task per attempt. The schedule is explicit:
 * the task handler makes attempt n, records it, and when it failed enqueues attempt n+1 with the
 * schedule's delay (`scheduleDelaySeconds`) itself; the queue's own retries serve only faults of
 * the handler (Firestore down, a task that arrived before its time). Duplicate tasks are harmless:
 * attempt n is made only by whoever `create()`s its claim, and a task whose attempt is already
 * recorded only makes sure the next one is queued (task ids dedupe that).
 *
 * Success is a 2xx within the timeout; anything else is a failure (a redirect is never followed).
 * A 410 disables the endpoint at once; an endpoint failing for `disableAfterMs` is disabled too,
 * and its owner is told by mail. Every attempt and every disabling is audited. Pure orchestration:
 * the stores, the queue, the clock and the network are passed in.
 */
import { createHash } from 'node:crypto';
import type { AuditActor, AuditSink } from '../audit/events';
import type { ProviderSecret } from '../secrets/provider';
import type { NotificationStore, WebhookSetting } from '../store/notifications';
import type { UserDirectory } from '../store/users';
import type { DeliveryAttempt, DeliveryRecord, DeliveryStore } from '../store/webhook-deliveries';
import type { DestinationPolicy } from './destination';
import { noticeId, webhookDisabledMail, webhookPayload, type Notice } from './notice';
import { postWebhook } from './pinned-post';
import { deriveWebhookSecret, webhookHeaders } from './standard-webhooks';

export interface DeliveryTask {
  deliveryId: string;
  attempt: number;
}

/** A task's data as the queue hands it back; undefined for anything else. */
export function parseDeliveryTask(data: unknown): DeliveryTask | undefined {
  const d = data as Partial<DeliveryTask> | null;
  if (!d || typeof d.deliveryId !== 'string' || !/^msg_[A-Za-z0-9_-]{1,64}$/.test(d.deliveryId)) return undefined;
  if (typeof d.attempt !== 'number' || !Number.isInteger(d.attempt) || d.attempt < 0 || d.attempt > 1000) return undefined;
  return { deliveryId: d.deliveryId, attempt: d.attempt };
}

/** The task queue's port: `delaySeconds` from now (0: at once); an already queued task id is not an error. */
export interface DeliveryQueue {
  enqueue(task: DeliveryTask, delaySeconds: number): Promise<void>;
}

/** A task that arrived before its attempt is due: the handler fails it so that the queue tries it again later. */
export class TooEarly extends Error {
  constructor(readonly dueInMs: number) {
    super(`attempt due in ${dueInMs} ms`);
    this.name = 'TooEarly';
  }
}

export interface DeliveriesDeps {
  store: DeliveryStore;
  settings: Pick<NotificationStore, 'webhook' | 'markWebhook' | 'enqueueMail'>;
  users: UserDirectory;
  hmacSecret: ProviderSecret;
  audit: AuditSink;
  queue: DeliveryQueue;
  destinations: DestinationPolicy;
  /** Seconds before each attempt: [0, 5, 300, ...] (config.notifications.webhookSchedule). */
  schedule: readonly number[];
  timeoutMs: number;
  /** An endpoint failing this long (since its last success) is disabled. */
  disableAfterMs: number;
  now: () => number;
  /** One structured log line (Cloud Logging reads `severity`): ids only, never a secret, a body or a receiver's address. */
  log: (entry: { severity: 'WARNING'; message: string; deliveryId: string; attempt: number }) => void;
}

const TASK_ACTOR: AuditActor = { method: 'scheduler' };
/**
 * A pending delivery whose attempt is this far past due is stuck (its instance died between
 * claiming the attempt and recording it, and the queue's retry found the claim taken): the owner
 * may retry it.
 */
const STUCK_MS = 15 * 60_000;
/** A task may arrive this much before its time (clocks, the queue's own granularity). */
const EARLY_SLACK_MS = 250;

/** The delivery of a notice has one id, the same on every attempt (`webhook-id`): receivers drop duplicates by it. */
export function deliveryId(notice: Notice): string {
  return 'msg_' + createHash('sha256').update(`${notice.ownerUid}:${noticeId(notice)}`).digest('base64url').slice(0, 27);
}

const origin = (url: string) => {
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid';
  }
};

export function webhookDeliveries(deps: DeliveriesDeps) {
  const { store, settings, audit } = deps;

  const auditAttempt = (rec: DeliveryRecord, attempt: DeliveryAttempt, n: number, ok: boolean) =>
    audit
      .record({
        event: 'webhook.delivery',
        outcome: ok ? 'success' : 'error',
        actor: TASK_ACTOR,
        target: { uid: rec.ownerUid, keyId: rec.keyId },
        reason: `${rec.event} ${rec.id} attempt ${n + 1}: ${attempt.status !== undefined ? `HTTP ${attempt.status}` : attempt.error}`,
      })
      .catch(() => undefined); // the log document holds the attempt too

  /** The secrets that sign now: the current one, and the one it replaced while that still signs. */
  async function secretsOf(uid: string, setting: WebhookSetting, now: number): Promise<string[] | undefined> {
    const versions = await deps.hmacSecret.versions();
    const current = versions.get(setting.version)?.material;
    if (!current) return undefined; // its provider version was disabled: the owner sets the webhook again
    const secrets = [deriveWebhookSecret(current, uid, setting.salt)];
    const prev = setting.previous;
    const prevMaterial = prev && prev.until > now ? versions.get(prev.version)?.material : undefined;
    if (prev && prevMaterial) secrets.push(deriveWebhookSecret(prevMaterial, uid, prev.salt));
    return secrets;
  }

  async function disable(rec: DeliveryRecord, setting: WebhookSetting, reason: string, now: number): Promise<void> {
    if (!(await settings.markWebhook(rec.ownerUid, setting.updatedAt, { disabledAt: now, disabledReason: reason }))) return;
    await audit.record({ event: 'webhook.disable', outcome: 'success', actor: TASK_ACTOR, target: { uid: rec.ownerUid }, reason: `${origin(setting.url)}: ${reason}` }).catch(() => undefined);
    const owner = await deps.users.get(rec.ownerUid);
    if (owner?.email) await settings.enqueueMail(`webhook.disabled:${rec.ownerUid}:${now}`, owner.email, webhookDisabledMail(origin(setting.url), reason));
  }

  /** One attempt at the owner's current webhook: the attempt as recorded, and the setting it went to. */
  async function attempt(rec: DeliveryRecord, now: number): Promise<{ attempt: DeliveryAttempt; setting?: WebhookSetting }> {
    const setting = await settings.webhook(rec.ownerUid);
    if (!setting) return { attempt: { at: now, error: 'no webhook', durationMs: 0 } };
    if (setting.disabledAt != null) return { attempt: { at: now, error: 'webhook disabled', durationMs: 0 }, setting };
    const secrets = await secretsOf(rec.ownerUid, setting, now);
    if (!secrets) return { attempt: { at: now, error: 'secret unavailable', durationMs: 0 }, setting };
    const timestamp = Math.floor(now / 1000);
    const started = Date.now();
    const result = await postWebhook(setting.url, deps.destinations, {
      headers: { 'content-type': 'application/json', 'user-agent': 'Keyward-Webhook/2', ...webhookHeaders(secrets, rec.id, timestamp, rec.body) },
      body: rec.body,
      timeoutMs: deps.timeoutMs,
    });
    const durationMs = Date.now() - started;
    if (typeof result === 'number') return { attempt: { at: now, status: result, durationMs }, setting };
    return { attempt: { at: now, error: result === 'refused' ? 'address refused' : 'no answer', durationMs }, setting };
  }

  const enqueue = (rec: Pick<DeliveryRecord, 'id' | 'next' | 'nextRetryAt'>, now: number) =>
    deps.queue.enqueue({ deliveryId: rec.id, attempt: rec.next }, Math.max(0, Math.ceil(((rec.nextRetryAt ?? now) - now) / 1000)));

  return {
    /** Logs the notice's delivery and queues its first attempt; `disabled` when the endpoint is. Once per notice. */
    async start(notice: Notice, setting: WebhookSetting): Promise<DeliveryRecord> {
      const now = deps.now();
      const disabled = setting.disabledAt != null;
      const rec: DeliveryRecord = {
        id: deliveryId(notice),
        ownerUid: notice.ownerUid,
        event: notice.type,
        noticeId: noticeId(notice),
        keyId: notice.keyId,
        endpoint: origin(setting.url),
        body: JSON.stringify(webhookPayload(notice)),
        createdAt: now,
        attempts: [],
        next: 0,
        nextRetryAt: disabled ? null : now,
        state: disabled ? 'disabled' : 'pending',
        manual: false,
      };
      if (!(await store.create(rec))) return (await store.get(rec.id)) ?? rec;
      if (disabled) {
        await audit.record({ event: 'webhook.delivery', outcome: 'error', actor: TASK_ACTOR, target: { uid: rec.ownerUid, keyId: rec.keyId }, reason: `${rec.event} ${rec.id}: webhook disabled` }).catch(() => undefined);
      } else await enqueue(rec, now);
      return rec;
    },

    /** The task handler: attempt `task.attempt` of the delivery, at most once, and the next one queued when it failed. */
    async run(task: DeliveryTask): Promise<void> {
      const now = deps.now();
      const rec = await store.get(task.deliveryId);
      if (!rec) {
        // Its log document was deleted after the task was queued: nothing to attempt, and nothing the
        // queue's retries would change, so the task is dropped, said once here.
        deps.log({ severity: 'WARNING', message: 'Webhook delivery task dropped: its delivery document no longer exists.', deliveryId: task.deliveryId, attempt: task.attempt });
        return;
      }
      if (rec.state !== 'pending') return;
      if (rec.next > task.attempt) {
        // This attempt is recorded: a duplicate task, or one whose successor was not queued before a fault.
        await enqueue(rec, now); // the same task id: queued at most once
        return;
      }
      if (rec.next !== task.attempt) return;
      if (rec.nextRetryAt !== null && rec.nextRetryAt - now > EARLY_SLACK_MS) throw new TooEarly(rec.nextRetryAt - now);
      if (!(await store.claimAttempt(rec.id, task.attempt, now))) return;

      const { attempt: made, setting } = await attempt(rec, now);
      const ok = made.status !== undefined && made.status >= 200 && made.status < 300;
      const attempts = [...rec.attempts, made];
      const n = task.attempt;
      let state: DeliveryRecord['state'] = 'failed';
      let nextRetryAt: number | null = null;
      if (ok) {
        state = 'delivered';
        if (setting?.failingSince != null) await settings.markWebhook(rec.ownerUid, setting.updatedAt, { failingSince: null }).catch(() => undefined);
      } else if (setting?.disabledAt != null) {
        state = 'disabled';
      } else if (setting && made.status === 410) {
        state = 'disabled';
        await disable(rec, setting, 'the receiver answered 410 Gone', now);
      } else if (setting) {
        const since = setting.failingSince ?? now;
        if (setting.failingSince == null) await settings.markWebhook(rec.ownerUid, setting.updatedAt, { failingSince: now }).catch(() => undefined);
        if (now - since >= deps.disableAfterMs) {
          state = 'disabled';
          await disable(rec, setting, `failing since ${new Date(since).toISOString()}`, now);
        } else if (!rec.manual && n + 1 < deps.schedule.length) {
          state = 'pending';
          nextRetryAt = deps.now() + deps.schedule[n + 1]! * 1000; // the wait is counted from the attempt's end
        }
      }
      const next = state === 'pending' ? n + 1 : attempts.length;
      await store.update(rec.id, { attempts, state, nextRetryAt, next });
      await auditAttempt(rec, made, n, ok);
      if (state === 'pending') await enqueue({ id: rec.id, next, nextRetryAt }, now);
    },

    /**
     * The owner asks for one more attempt now (a delivery that failed or was disabled, or is stuck;
     * the webhook must be set and enabled). Two retries at once queue the same task id and claim
     * the same attempt. A stuck delivery's attempt number is claimed already: the retry takes the next.
     */
    async retry(rec: DeliveryRecord): Promise<DeliveryRecord | 'busy' | 'no_webhook'> {
      const now = deps.now();
      const stuck = rec.state === 'pending' && rec.nextRetryAt !== null && now - rec.nextRetryAt > STUCK_MS;
      if (rec.state === 'pending' && !stuck) return 'busy';
      const setting = await settings.webhook(rec.ownerUid);
      if (!setting || setting.disabledAt != null) return 'no_webhook';
      const change = { state: 'pending' as const, next: stuck ? rec.next + 1 : rec.attempts.length, nextRetryAt: now, manual: true, endpoint: origin(setting.url) };
      await store.update(rec.id, change);
      await enqueue({ id: rec.id, ...change }, now);
      return { ...rec, ...change };
    },
  };
}

export type WebhookDeliveries = ReturnType<typeof webhookDeliveries>;
