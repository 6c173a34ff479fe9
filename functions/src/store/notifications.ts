/**
 * What notifications keep in Firestore:
 * - `notifications/{notice id}`: the once-only ledger; a notice is sent only by whoever `create()`s its document;
 * - `<mail collection>/{notice id}`: mails in the shape the Firebase "Trigger Email" extension sends
 *   (`{to, message: {subject, text, html}}`); the extension adds its own `delivery` field;
 * - `webhookSettings/{uid}`: the owner's webhook URL and the salt and provider version its secret is derived from (never the secret),
 *   the previous secret's while it still signs beside the new one, and whether the endpoint is failing or disabled;
 * - the `apiKeys` that expire in a window, for the scheduled expiry notices.
 */
import type { Firestore } from 'firebase-admin/firestore';
import { createIfAbsent, datastoreCall, DEFAULT_DATASTORE_TIMEOUT_MS } from './datastore';
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
  /** The secret this one replaced, signing beside it until `until` (a receiver is switched over without a gap). */
  previous?: { salt: string; version: string; until: number } | null;
  /** When the endpoint's current run of failed attempts began (none since its last success). */
  failingSince?: number | null;
  /** Disabled (a 410, or failing for too long): no attempt is made until the owner sets the webhook again. */
  disabledAt?: number | null;
  disabledReason?: string | null;
}

export interface NotificationStore {
  /** True when this call recorded the notice first (and so sends it); false when it was already sent. */
  claim(id: string, data: { type: string; ownerUid: string; keyId: string; at: number }): Promise<boolean>;
  enqueueMail(id: string, to: string, message: MailMessage): Promise<void>;
  webhook(uid: string): Promise<WebhookSetting | undefined>;
  setWebhook(uid: string, setting: WebhookSetting): Promise<void>;
  deleteWebhook(uid: string): Promise<void>;
  /** Changes fields of the setting whose `updatedAt` is `updatedAt` (a setting replaced meanwhile is left alone); false when it was. */
  markWebhook(uid: string, updatedAt: number, change: Pick<WebhookSetting, 'failingSince' | 'disabledAt' | 'disabledReason'>): Promise<boolean>;
  /** Keys whose `expiresAt` is in (from, to], soonest first, at most `limit`. */
  expiringKeys(from: number, to: number, limit: number): Promise<KeyRecord[]>;
}


export function firestoreNotificationStore(db: () => Firestore, mailCollection: string, timeoutMs = DEFAULT_DATASTORE_TIMEOUT_MS): NotificationStore {
  const call = <T>(op: () => Promise<T>) => datastoreCall(timeoutMs, op);
  const create = (collection: string, id: string, data: Record<string, unknown>) => call(() => createIfAbsent(db().collection(collection).doc(id), data));
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
      // A replaced setting keeps none of the old one's state: absent fields are written as null
      // (the stand-in Firestore's set() keeps fields the new document does not name).
      const cleared = { previous: null, failingSince: null, disabledAt: null, disabledReason: null };
      await call(() => db().collection('webhookSettings').doc(uid).set({ ...cleared, ...setting }));
    },
    async deleteWebhook(uid) {
      await call(() => db().collection('webhookSettings').doc(uid).delete());
    },
    async markWebhook(uid, updatedAt, change) {
      const ref = db().collection('webhookSettings').doc(uid);
      // The stand-in Firestore has no isolated transactions: a setting replaced between this read
      // and the write is the rare case; a replaced setting starts with its own failure state anyway.
      const snap = await call(() => ref.get());
      if (!snap.exists || (snap.data() as WebhookSetting).updatedAt !== updatedAt) return false;
      await call(() => ref.update(change));
      return true;
    },
    async expiringKeys(from, to, limit) {
      const query = db().collection('apiKeys').where('expiresAt', '>', from).where('expiresAt', '<=', to).orderBy('expiresAt').limit(limit);
      const snap = await call(() => query.get());
      return snap.docs.map((d) => d.data() as KeyRecord);
    },
  };
}
