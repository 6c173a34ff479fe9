/**
 * What Keyward tells a key's owner, and how it reads in a mail and in a webhook. Pure.
 * Each notice has a fixed id: the once-only ledger (notifications/notifier.ts) is keyed by it.
 */
import type { MailMessage } from '../store/notifications';

export type { MailMessage };

export type Notice =
  | { type: 'key.leaked'; ownerUid: string; keyId: string; keyName: string; at: number; credential: 'api_key' | 'signing_secret'; url?: string; source?: string }
  | { type: 'key.expiring'; ownerUid: string; keyId: string; keyName: string; at: number; expiresAt: number; daysBefore: number };

export type NoticeType = Notice['type'];

/** A key is revoked on a leak once, so it has one leak notice; expiry notices are per threshold and expiry date (an extended key is told again). */
export function noticeId(n: Notice): string {
  return n.type === 'key.leaked' ? `key.leaked:${n.keyId}` : `key.expiring:${n.daysBefore}d:${n.keyId}:${n.expiresAt}`;
}


const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The `message` of a Trigger Email document. */
export function mailMessage(n: Notice): MailMessage {
  if (n.type === 'key.leaked') {
    const what = n.credential === 'signing_secret' ? 'the signing secret of your API key' : 'your API key';
    const where = n.url ? ` It was found at ${n.url}${n.source ? ` (${n.source})` : ''}.` : '';
    const text =
      `GitHub secret scanning found ${what} "${n.keyName}" (${n.keyId}) in public code, so Keyward revoked the key.${where}\n\n` +
      'Requests with it are refused from now on. Create a new key, deploy it, and remove the old one from the code and its history.';
    return {
      subject: `Your API key "${n.keyName}" leaked and was revoked`,
      text,
      html: `<p>GitHub secret scanning found ${what} <strong>${escapeHtml(n.keyName)}</strong> (<code>${n.keyId}</code>) in public code, so Keyward revoked the key.${
        n.url ? ` It was found at <a href="${escapeHtml(n.url)}">${escapeHtml(n.url)}</a>${n.source ? ` (${escapeHtml(n.source)})` : ''}.` : ''
      }</p><p>Requests with it are refused from now on. Create a new key, deploy it, and remove the old one from the code and its history.</p>`,
    };
  }
  const text = `Your API key "${n.keyName}" (${n.keyId}) expires on ${day(n.expiresAt)}, in ${n.daysBefore} days or less. Regenerate it or create a new one before then.`;
  return {
    subject: `Your API key "${n.keyName}" expires on ${day(n.expiresAt)}`,
    text,
    html: `<p>Your API key <strong>${escapeHtml(n.keyName)}</strong> (<code>${n.keyId}</code>) expires on ${day(n.expiresAt)}, in ${n.daysBefore} days or less. Regenerate it or create a new one before then.</p>`,
  };
}

/** The JSON body of a webhook delivery. */
export function webhookPayload(n: Notice): Record<string, unknown> {
  const data =
    n.type === 'key.leaked'
      ? { keyId: n.keyId, keyName: n.keyName, credential: n.credential, url: n.url ?? null, source: n.source ?? null, revokedAt: new Date(n.at).toISOString() }
      : { keyId: n.keyId, keyName: n.keyName, expiresAt: new Date(n.expiresAt).toISOString(), daysBefore: n.daysBefore };
  return { id: noticeId(n), type: n.type, createdAt: new Date(n.at).toISOString(), data };
}

/** The expiry thresholds, in days: a notice at each, the nearest one passed only. */
export const EXPIRY_THRESHOLDS_DAYS = [14, 3] as const;

/** The threshold a key `expiresAt` has reached at `now` (3 within 3 days, 14 within 14), or undefined. */
export function expiryThreshold(expiresAt: number, now: number): number | undefined {
  const left = expiresAt - now;
  if (left <= 0) return undefined;
  let reached: number | undefined;
  for (const days of EXPIRY_THRESHOLDS_DAYS) if (left <= days * 86_400_000) reached = days;
  return reached;
}
