/**
 * Tells a key's owner, once per notice: a mail document for the Firebase "Trigger Email"
 * extension (to the owner's account email) for the notices that are mailed (notice.ts `mailed`),
 * and a delivery to the owner's webhook, when they have set one. "Once" is the ledger: the notice's
 * id is `create()`d in Firestore first, and only the caller that created it sends, on any
 * instance, however often the scheduler or GitHub repeats itself. The webhook delivery is queued
 * (notifications/deliveries.ts: attempts and retries through Cloud Tasks, each one audited); the
 * mail's outcome and the queuing are audited here (`notification.send`).
 */
import type { AuditActor, AuditSink } from '../audit/events';
import type { NotificationStore } from '../store/notifications';
import type { DeliveryState } from '../store/webhook-deliveries';
import type { UserDirectory } from '../store/users';
import type { WebhookDeliveries } from './deliveries';
import { mailed, mailMessage, noticeId, type Notice } from './notice';

export interface NotifierDeps {
  store: NotificationStore;
  users: UserDirectory;
  audit: AuditSink;
  deliveries: Pick<WebhookDeliveries, 'start'>;
}

export interface Notifier {
  /** Sends the notice unless it was sent before; which channels it went to (`webhook`: the delivery's state when queued). */
  send(notice: Notice, actor: AuditActor): Promise<{ sent: boolean; mail: boolean; webhook?: DeliveryState }>;
}

export function notifier(deps: NotifierDeps): Notifier {
  const { store, audit } = deps;
  return {
    async send(notice, actor) {
      const id = noticeId(notice);
      const target = { uid: notice.ownerUid, keyId: notice.keyId };
      if (!(await store.claim(id, { type: notice.type, ownerUid: notice.ownerUid, keyId: notice.keyId, at: notice.at }))) return { sent: false, mail: false };

      let mail = false;
      if (mailed(notice)) {
        const owner = await deps.users.get(notice.ownerUid);
        if (owner?.email) {
          await store.enqueueMail(id, owner.email, mailMessage(notice));
          mail = true;
          await audit.record({ event: 'notification.send', outcome: 'success', actor, target, reason: `mail ${notice.type}` }).catch(() => undefined);
        }
      }
      const setting = await store.webhook(notice.ownerUid);
      if (!setting) return { sent: true, mail };
      const delivery = await deps.deliveries.start(notice, setting);
      const queued = delivery.state === 'pending';
      await audit
        .record({ event: 'notification.send', outcome: queued ? 'success' : 'error', actor, target, reason: `webhook ${notice.type}: ${queued ? `queued ${delivery.id}` : 'webhook disabled'}` })
        .catch(() => undefined);
      return { sent: true, mail, webhook: delivery.state };
    },
  };
}
