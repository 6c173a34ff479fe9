/** What the API shows of a key: metadata and status, never a digest or a secret. */
import type { KeyRecord } from './record';
import { creditsView } from './limits';
import { keyStatus } from './status';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** `creditsSpent`: what the key has spent of this period's credits (read from its counter). */
export function keyView(record: KeyRecord, now: number, lastUsedAt: number | null = record.lastUsedAt, creditsSpent = 0) {
  const grace = record.secrets.slice(1).map((s) => s.notAfter ?? 0).filter((t) => t > now); // earlier secrets still in their grace periods
  return {
    id: record.keyId,
    name: record.name,
    type: record.type,
    status: keyStatus(record, now),
    scopes: record.scopes,
    allowedOrigins: record.allowedOrigins,
    allowedIps: record.allowedIps,
    appCheck: record.appCheck ?? null,
    createdAt: iso(record.createdAt),
    expiresAt: iso(record.expiresAt),
    revokedAt: iso(record.revokedAt),
    regeneratedAt: iso(record.regeneratedAt),
    previousSecretValidUntil: grace.length ? iso(Math.max(...grace)) : null,
    lastUsedAt: iso(Math.max(lastUsedAt ?? 0, record.lastUsedAt ?? 0) || null),
    disabledAt: iso(record.disabledAt ?? null),
    metadata: record.metadata ?? null,
    limits: record.limits ?? null,
    credits: record.credits ? creditsView(record.credits, creditsSpent, now) : null,
    // Team keys only: which team owns the key and who made it (personal keys' views are unchanged).
    ...(record.team !== undefined ? { team: record.team, createdBy: record.createdBy ?? null } : {}),
  };
}
