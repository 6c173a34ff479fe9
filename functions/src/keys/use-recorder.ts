/**
 * The use recorder: a key's uses without a Firestore write per request. Every request made with
 * a key is counted in memory, and at most once per `intervalMs` per key (a minute in production;
 * Firestore sustains about one write a second per document) one write stores `lastUsedAt` and
 * adds the counts to the key's usage document of that day (store/keys.ts `recordUse`). The first
 * use of a key is written at once; later ones when the interval is up: by a timer, by the next
 * request that finds them overdue (`tick`, as Cloud Functions may hold timers while idle), or
 * before a usage read on this instance (`flush`). A failed write puts its counts back for the
 * next one; an instance that stops loses at most its last interval's counts.
 */
import { utcDay, type UsageCounts } from './usage';

/** One write: a key's latest successful use (if any since the last write) and its counts per UTC day. */
export interface UseFlush {
  keyId: string;
  /** The key's owner, as the verified record named it: the write needs no lookup of the record. */
  ownerUid?: string;
  lastUsedAt: number | null;
  days: Record<string, UsageCounts>;
}

export interface UseRecorder {
  /** A request with this key was served; `ownerUid` from the record that verified it. */
  touch(keyId: string, at: number, ownerUid?: string): void;
  /** A request with this key (its credential verified) was refused: paused, revoked, origin, address… */
  refuse(keyId: string, at: number, ownerUid?: string): void;
  /** This instance's latest successful use (exact here; the stored value may be up to a minute behind). */
  lastUsed(keyId: string): number | null;
  /** Writes what is overdue: called at the start of every request. Cheap when nothing is. */
  tick(): void;
  /** Writes everything pending now (a usage read on this instance, the end of a test). */
  flush(): Promise<void>;
}

interface Entry {
  at: number | null;
  ownerUid?: string;
  writtenAt: number;
  dirtyLastUsed: boolean;
  days: Map<string, UsageCounts>;
  timer?: ReturnType<typeof setTimeout>;
}

export interface UseRecorderOptions {
  intervalMs?: number;
  now?: () => number;
  /** Schedules a write when the interval is up (off in unit tests that drive `tick`). */
  timers?: boolean;
  maxKeys?: number;
}

export function useRecorder(write: (flush: UseFlush) => Promise<void>, opts: UseRecorderOptions = {}): UseRecorder {
  const intervalMs = opts.intervalMs ?? 60_000;
  const now = opts.now ?? Date.now;
  const maxKeys = opts.maxKeys ?? 50_000;
  const entries = new Map<string, Entry>();
  const dirty = new Set<string>();
  let nextDue = Infinity;

  function take(keyId: string, entry: Entry): Promise<void> {
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = undefined;
    dirty.delete(keyId);
    const flush: UseFlush = { keyId, ...(entry.ownerUid !== undefined ? { ownerUid: entry.ownerUid } : {}), lastUsedAt: entry.dirtyLastUsed ? entry.at : null, days: Object.fromEntries(entry.days) };
    entry.days = new Map();
    entry.dirtyLastUsed = false;
    entry.writtenAt = now();
    const attemptedAt = entry.writtenAt;
    return write(flush).catch(() => putBack(keyId, flush, attemptedAt));
  }

  /**
   * A failed write's counts go out with the next one (counting stays honest). The key's entry may
   * have been evicted while the write was in flight (or replaced by a fresh one): the counts are
   * merged into whatever entry the map holds now, never into a detached one only a timer would see.
   */
  function putBack(keyId: string, flush: UseFlush, attemptedAt: number): void {
    const entry = entryFor(keyId, attemptedAt);
    entry.ownerUid ??= flush.ownerUid;
    for (const [day, c] of Object.entries(flush.days)) add(entry, day, c.requests, c.failures);
    if (flush.lastUsedAt !== null) {
      entry.at = Math.max(entry.at ?? 0, flush.lastUsedAt);
      entry.dirtyLastUsed = true;
    }
    markDirty(keyId, entry);
  }

  /** The key's entry, made (evicting the oldest when full) if the map holds none. */
  function entryFor(keyId: string, writtenAt = -Infinity): Entry {
    let entry = entries.get(keyId);
    if (!entry) {
      if (entries.size >= maxKeys) evictOldest();
      entry = { at: null, writtenAt, dirtyLastUsed: false, days: new Map() };
      entries.set(keyId, entry);
    }
    return entry;
  }

  function add(entry: Entry, day: string, requests: number, failures: number): void {
    const c = entry.days.get(day) ?? { requests: 0, failures: 0 };
    c.requests += requests;
    c.failures += failures;
    entry.days.set(day, c);
  }

  function markDirty(keyId: string, entry: Entry): void {
    dirty.add(keyId);
    const due = entry.writtenAt + intervalMs;
    nextDue = Math.min(nextDue, due);
    if (opts.timers !== false && !entry.timer) {
      entry.timer = setTimeout(() => {
        entry.timer = undefined;
        if (dirty.has(keyId) && entries.get(keyId) === entry) void take(keyId, entry);
      }, Math.max(0, due - now()));
      entry.timer.unref?.();
    }
  }

  function note(keyId: string, at: number, failed: boolean, ownerUid: string | undefined): void {
    const entry = entryFor(keyId);
    if (ownerUid !== undefined) entry.ownerUid = ownerUid;
    add(entry, utcDay(at), 1, failed ? 1 : 0);
    if (!failed) {
      entry.at = Math.max(entry.at ?? 0, at);
      entry.dirtyLastUsed = true;
    }
    if (at - entry.writtenAt >= intervalMs) void take(keyId, entry);
    else markDirty(keyId, entry);
  }

  function evictOldest(): void {
    const [keyId, entry] = entries.entries().next().value as [string, Entry];
    if (dirty.has(keyId)) void take(keyId, entry);
    entries.delete(keyId);
  }

  return {
    touch: (keyId, at, ownerUid) => note(keyId, at, false, ownerUid),
    refuse: (keyId, at, ownerUid) => note(keyId, at, true, ownerUid),
    lastUsed: (keyId) => entries.get(keyId)?.at ?? null,
    tick() {
      const t = now();
      if (t < nextDue) return;
      nextDue = Infinity;
      for (const keyId of [...dirty]) {
        const entry = entries.get(keyId);
        if (!entry) dirty.delete(keyId); // not expected (a dirty key always has an entry); never a throw in a request
        else if (t - entry.writtenAt >= intervalMs) void take(keyId, entry);
        else nextDue = Math.min(nextDue, entry.writtenAt + intervalMs);
      }
    },
    async flush() {
      nextDue = Infinity;
      await Promise.all([...dirty].map((keyId) => {
        const entry = entries.get(keyId);
        return entry ? take(keyId, entry) : void dirty.delete(keyId);
      }));
    },
  };
}
