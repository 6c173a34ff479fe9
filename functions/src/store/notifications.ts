/**
 * What notifications keep in Firestore:
 * - `notifications/{notice id}`: the once-only ledger; a notice is sent only by whoever `create()`s its document;
 * - `<mail collection>/{notice id}`: mails in the shape the Firebase "Trigger Email" extension sends
 *   (`{to, message: {subject, text, html}}`); the extension adds its own `delivery` field;
 * - `webhookSettings/{uid}`: the owner's webhook URL and the salt and provider version its secret is derived from (never the secret);
 * - the `apiKeys` that expire in a window, for the scheduled expiry notices.
 */
import type { Firestore } from 'firebase-admin/firestore';
import { datastoreCall, DEFAULT_DATASTORE_TIMEOUT_MS } from './datastore';
import type { KeyRecord } from '../keys/record';

/** The `message` of a Trigger Email document. */
export interface MailMessage {
  subject: string;
  text: string;
  html: string;
}

export interface WebhookSetting {
  url: string;
  salt: string;
  version: string;
  updatedAt: number;
}

export interface NotificationStore {
  /** True when this call recorded the notice first (and so sends it); false when it was already sent. */
  claim(id: string, data: { type: string; ownerUid: string; keyId: string; at: number }): Promise<boolean>;
  enqueueMail(id: string, to: string, message: MailMessage): Promise<void>;
  webhook(uid: string): Promise<WebhookSetting | undefined>;
  setWebhook(uid: string, setting: WebhookSetting): Promise<void>;
  deleteWebhook(uid: string): Promise<void>;
  /** Keys whose `expiresAt` is in (from, to], soonest first, at most `limit`. */
  expiringKeys(from: number, to: number, limit: number): Promise<KeyRecord[]>;
}

const ALREADY_EXISTS = 6;

export function firestoreNotificationStore(db: () => Firestore, mailCollection: string, timeoutMs = DEFAULT_DATASTORE_TIMEOUT_MS): NotificationStore {
  const call = <T>(op: () => Promise<T>) => datastoreCall(timeoutMs, op);
  const create = (collection: string, id: string, data: Record<string, unknown>) =>
    call(async () => {
      try {
        await db().collection(collection).doc(id).create(data);
        return true;
      } catch (err) {
        if ((err as { code?: number }).code === ALREADY_EXISTS) return false;
        throw err;
      }
    });
  return {
    claim: (id, data) => create('notifications', id, { ...data, at: new Date(data.at) }),
    async enqueueMail(id, to, message) {
      await create(mailCollection, id, { to, message });
    },
    async webhook(uid) {
      const snap = await call(() => db().collection('webhookSettings').doc(uid).get());
      return snap.exists ? (snap.data() as WebhookSetting) : undefined;
    },
    async setWebhook(uid, setting) {
      await call(() => db().collection('webhookSettings').doc(uid).set(setting));
    },
    async deleteWebhook(uid) {
      await call(() => db().collection('webhookSettings').doc(uid).delete());
    },
    async expiringKeys(from, to, limit) {
      const query = db().collection('apiKeys').where('expiresAt', '>', from).where('expiresAt', '<=', to).orderBy('expiresAt').limit(limit);
      const snap = await call(() => query.get());
      return snap.docs.map((d) => d.data() as KeyRecord);
    },
  };
}
