/**
 * `lastUsedAt` without a Firestore write per request: uses are noted in memory and written
 * at most once a minute per key (Firestore sustains about one write a second per document).
 * The stored value is therefore up to a minute behind; this instance's view is exact.
 */
export interface UsageTracker {
  touch(keyId: string, at: number): void;
  lastUsed(keyId: string): number | null;
}

export function usageTracker(write: (keyId: string, at: number) => Promise<void>, intervalMs = 60_000): UsageTracker {
  const seen = new Map<string, { at: number; writtenAt: number }>();
  return {
    touch(keyId, at) {
      const entry = seen.get(keyId);
      if (entry && at - entry.writtenAt < intervalMs) {
        entry.at = at;
        return;
      }
      seen.set(keyId, { at, writtenAt: at });
      if (seen.size > 50_000) seen.delete(seen.keys().next().value as string);
      write(keyId, at).catch(() => undefined); // best effort: a lost lastUsedAt update is harmless
    },
    lastUsed(keyId) {
      return seen.get(keyId)?.at ?? null;
    },
  };
}
