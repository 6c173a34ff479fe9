/**
 * What Keyward tells a key's owner, and how it reads in a mail and in a webhook. Pure.
 * Each notice has a fixed id: the once-only ledger (notifications/notifier.ts) is keyed by it.
 */
import type { RevokedBy } from '../actions/revoke-key';
import type { MailMessage } from '../store/notifications';

export type { MailMessage };

export type Notice =
  | { type: 'key.leak'; ownerUid: string; keyId: string; keyName: string; at: number; credential: 'api_key' | 'signing_secret'; url?: string; source?: string }
  | { type: 'key.expiring'; ownerUid: string; keyId: string; keyName: string; at: number; expiresAt: number; daysBefore: number }
  /** `by`: the owner (console, API), the key itself, or secret scanning (a leak: `key.leak` comes too). */
  | { type: 'key.revoked'; ownerUid: string; keyId: string; keyName: string; at: number; by: RevokedBy }
  /** `window`: the refused allowance's window id (limits/plan.ts), one notice per window. */
  | { type: 'key.limit'; ownerUid: string; keyId: string; keyName: string; at: number; kind: 'rate_limited' | 'quota_exceeded'; limit: number; window: string; resetAt: number };

export type NoticeType = Notice['type'];

/**
 * A key is revoked once, so it has one leak and one revocation notice; expiry notices are per
 * threshold and expiry date (an extended key is told again); limit notices once per window.
 */
export function noticeId(n: Notice): string {
  switch (n.type) {
    case 'key.leak':
    case 'key.revoked':
      return `${n.type}:${n.keyId}`;
    case 'key.expiring':
      return `key.expiring:${n.daysBefore}d:${n.keyId}:${n.expiresAt}`;
    case 'key.limit':
      return `key.limit:${n.keyId}:${n.window.replace(/\//g, '_')}`; // a document id holds no slash
  }
}

/** Which notices are mailed too: those the owner did not do themselves, or must act on. Every notice goes to the webhook. */
export function mailed(n: Notice): n is Notice & { type: 'key.leak' | 'key.expiring' } {
  return n.type === 'key.leak' || n.type === 'key.expiring';
}


const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The `message` of a Trigger Email document. */
export function mailMessage(n: Notice & { type: 'key.leak' | 'key.expiring' }): MailMessage {
  if (n.type === 'key.leak') {
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
  const iso = (ms: number) => new Date(ms).toISOString();
  const key = { keyId: n.keyId, keyName: n.keyName };
  const data =
    n.type === 'key.leak'
      ? { ...key, credential: n.credential, url: n.url ?? null, source: n.source ?? null, revokedAt: iso(n.at) }
      : n.type === 'key.expiring'
        ? { ...key, expiresAt: iso(n.expiresAt), daysBefore: n.daysBefore }
        : n.type === 'key.revoked'
          ? { ...key, revokedAt: iso(n.at), by: n.by }
          : { ...key, reason: n.kind, limit: n.limit, resetAt: iso(n.resetAt) };
  return { id: noticeId(n), type: n.type, createdAt: iso(n.at), data };
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

/** The mail that tells an owner their webhook was disabled (`endpoint`: its scheme and host only). */
export function webhookDisabledMail(endpoint: string, reason: string): MailMessage {
  const text =
    `Keyward disabled your notification webhook at ${endpoint}: ${reason}. Notices are no longer sent to it. ` +
    'Fix the receiver, then set the webhook again (PUT /v1/notifications/webhook) and retry the failed deliveries from the delivery log.';
  return { subject: 'Your Keyward webhook was disabled', text, html: `<p>${escapeHtml(text)}</p>` };
}
