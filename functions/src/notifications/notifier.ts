/**
 * Tells a key's owner, once per notice: a mail document for the Firebase "Trigger Email"
 * extension (to the owner's account email) and a signed POST to the owner's webhook, when they
 * have set one. "Once" is the ledger: the notice's id is `create()`d in Firestore first, and only
 * the caller that created it sends, on any instance, however often the scheduler or GitHub
 * repeats itself. Each channel's outcome is audited (`notification.send`). A webhook gets one
 * attempt within `timeoutMs`, to an address checked when connecting (notifications/pinned-post.ts):
 * a failed or refused delivery is audited as an error, the mail still goes.
 */
import type { AuditActor, AuditSink } from '../audit/events';
import type { ProviderSecret } from '../secrets/provider';
import type { NotificationStore } from '../store/notifications';
import type { UserDirectory } from '../store/users';
import type { DestinationPolicy } from './destination';
import { mailMessage, noticeId, webhookPayload, type Notice } from './notice';
import { postWebhook } from './pinned-post';
import { deriveWebhookSecret, signWebhook, WEBHOOK_SIGNATURE_HEADER } from './webhook-signature';

export interface NotifierDeps {
  store: NotificationStore;
  users: UserDirectory;
  hmacSecret: ProviderSecret;
  audit: AuditSink;
  timeoutMs: number;
  now: () => number;
  /** How the webhook's host is resolved and which addresses it may reach. */
  destinations: DestinationPolicy;
}

type WebhookResult = number | 'failed' | 'refused';

export interface Notifier {
  /** Sends the notice unless it was sent before; which channels it went to. */
  send(notice: Notice, actor: AuditActor): Promise<{ sent: boolean; mail: boolean; webhook?: WebhookResult }>;
}

export function notifier(deps: NotifierDeps): Notifier {
  const { store, audit } = deps;

  async function deliverWebhook(uid: string, notice: Notice): Promise<WebhookResult | undefined> {
    const setting = await store.webhook(uid);
    if (!setting) return undefined;
    const material = (await deps.hmacSecret.versions()).get(setting.version)?.material;
    if (!material) return 'failed'; // its provider version was disabled: the owner sets the webhook again
    const body = JSON.stringify(webhookPayload(notice));
    const timestamp = Math.floor(deps.now() / 1000);
    return postWebhook(setting.url, deps.destinations, {
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Keyward-Webhook/1',
        [WEBHOOK_SIGNATURE_HEADER]: signWebhook(deriveWebhookSecret(material, uid, setting.salt), timestamp, body),
      },
      body,
      timeoutMs: deps.timeoutMs,
    });
  }

  return {
    async send(notice, actor) {
      const id = noticeId(notice);
      const target = { uid: notice.ownerUid, keyId: notice.keyId };
      if (!(await store.claim(id, { type: notice.type, ownerUid: notice.ownerUid, keyId: notice.keyId, at: notice.at }))) return { sent: false, mail: false };

      const owner = await deps.users.get(notice.ownerUid);
      let mail = false;
      if (owner?.email) {
        await store.enqueueMail(id, owner.email, mailMessage(notice));
        mail = true;
        await audit.record({ event: 'notification.send', outcome: 'success', actor, target, reason: `mail ${notice.type}` }).catch(() => undefined);
      }
      const webhook = await deliverWebhook(notice.ownerUid, notice);
      if (webhook !== undefined) {
        const ok = typeof webhook === 'number' && webhook >= 200 && webhook < 300;
        const outcome = typeof webhook === 'number' ? `HTTP ${webhook}` : webhook === 'refused' ? 'address refused' : 'not delivered';
        const reason = `webhook ${notice.type}: ${outcome}`;
        await audit.record({ event: 'notification.send', outcome: ok ? 'success' : 'error', actor, target, reason }).catch(() => undefined);
      }
      return { sent: true, mail, webhook };
    },
  };
}
