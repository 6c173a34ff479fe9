/**
 * The one way audit reads reach Cloud Logging: each `entries.list` call spends the caller's and the
 * project's budget, or the project's alone for a request that charged the caller once
 * (limits/audit-read-limiter.ts), except an identical one made within `ttlMs`
 * (same view, filter, page size, page token and order), which gets the page already read on this
 * instance. A console that refreshes, or two tabs, then cost one call, not one each. A page is
 * shared only between callers with the same view: a user's own (keyed by uid) or the auditors'
 * (everyone's), never across. Failures are not kept. In memory only, per instance.
 */
import type { EntryPage, ListEntries } from './entry';

/** Whose view a read is made for: `everyone` for auditors, else only `uid`'s entries. */
export interface ReadView {
  uid: string;
  everyone: boolean;
  /** The caller's budget was charged once for the whole request (a verification, an export): each call spends the project's only. */
  callerCharged?: boolean;
}

/** The caller's `list`, gated for one view. */
export type AuditReads = (view: ReadView, list: ListEntries) => ListEntries;

export interface AuditReadCacheOptions {
  /** Spends one call for this view (the caller's budget and the project's, or the project's alone), or throws the refusal. */
  spend: (view: ReadView) => Promise<void>;
  /** How long an identical read is answered from memory; 0: never. */
  ttlMs: number;
  now: () => number;
  /** Most log entries kept in all pages together (a page holds up to 1,000). */
  maxEntries?: number;
}

interface Kept {
  at: number;
  page: Promise<EntryPage>;
  /** Entries in the page once it arrived (0 before). */
  size: number;
}

export function auditReads(opts: AuditReadCacheOptions): AuditReads {
  const maxEntries = opts.maxEntries ?? 20_000;
  // In the order they were read (a Map iterates in insertion order): the oldest first.
  const kept = new Map<string, Kept>();
  let size = 0;
  const drop = (key: string, k: Kept) => {
    kept.delete(key);
    size -= k.size;
  };
  /** Drops what has expired, then the oldest while the pages hold too many entries. */
  const trim = (now: number) => {
    for (const [key, k] of kept) {
      if (now - k.at < opts.ttlMs && size <= maxEntries) break;
      drop(key, k);
    }
  };
  return (view, list) => async (request) => {
    const key = JSON.stringify([view.everyone ? '*' : view.uid, view.everyone, request.filter, request.pageSize, request.pageToken ?? null, request.order ?? 'desc']);
    const now = opts.now();
    const hit = kept.get(key);
    if (hit && now - hit.at < opts.ttlMs) return hit.page;
    await opts.spend(view);
    const page = list(request);
    if (opts.ttlMs > 0) {
      if (hit) drop(key, hit);
      trim(now);
      const entry: Kept = { at: now, page, size: 0 };
      kept.set(key, entry);
      page.then(
        (p) => {
          if (kept.get(key) !== entry) return;
          entry.size = p.entries.length;
          size += entry.size;
          trim(opts.now());
        },
        () => {
          if (kept.get(key) === entry) kept.delete(key);
        },
      );
    }
    return page;
  };
}
