/**
 * The scheduled expiry notices: every active key that expires within 14 days is noticed at the
 * nearest threshold it has reached (14 days, then 3), once per threshold and expiry date (the
 * notifier's ledger). The scheduler may run as often as it likes: a notice never repeats.
 */
import type { KeyRecord } from '../keys/record';
import type { NotificationStore } from '../store/notifications';
import { EXPIRY_THRESHOLDS_DAYS, expiryThreshold } from './notice';
import type { Notifier } from './notifier';

/** Who is told about a key: its owner, or for a team key (owned by `team:<id>`, which has no mailbox) the member who made it. */
export const noticeRecipient = (key: Pick<KeyRecord, 'ownerUid' | 'createdBy'>): string => key.createdBy ?? key.ownerUid;

const DAY = 86_400_000;
const PAGE = 1000;

export interface ExpiryDeps {
  store: Pick<NotificationStore, 'expiringKeys'>;
  notifier: Notifier;
  now: () => number;
}

export async function sendExpiryNotices(deps: ExpiryDeps): Promise<{ checked: number; sent: number }> {
  const now = deps.now();
  const horizon = now + Math.max(...EXPIRY_THRESHOLDS_DAYS) * DAY;
  let checked = 0;
  let sent = 0;
  let from = now;
  const seen = new Set<string>();
  for (;;) {
    const page = await deps.store.expiringKeys(from, horizon, PAGE);
    const fresh = page.filter((k) => !seen.has(k.keyId));
    for (const key of fresh) {
      seen.add(key.keyId);
      checked++;
      if (await notify(deps, key, now)) sent++;
    }
    if (page.length < PAGE || fresh.length === 0) break;
    from = page[page.length - 1]!.expiresAt - 1; // keys sharing the last instant are read again and skipped
  }
  return { checked, sent };
}

async function notify(deps: ExpiryDeps, key: KeyRecord, now: number): Promise<boolean> {
  const daysBefore = expiryThreshold(key.expiresAt, now);
  if (key.revokedAt !== null || daysBefore === undefined) return false;
  const result = await deps.notifier.send(
    { type: 'key.expiring', ownerUid: noticeRecipient(key), keyId: key.keyId, keyName: key.name, at: now, expiresAt: key.expiresAt, daysBefore },
    { method: 'scheduler' },
  );
  return result.sent;
}
