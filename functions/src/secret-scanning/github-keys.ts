/**
 * GitHub's secret-scanning public keys, from its meta endpoint
 * (`{"public_keys": [{"key_identifier", "key": "-----BEGIN PUBLIC KEY-----…", "is_current"}]}`).
 * Cached; refreshed when older than `ttlMs`, and fetched again once when a report names an
 * identifier we do not hold (GitHub rotated its keys). Fetches are spaced by `refetchAfterMs`, with
 * or without a set in hand, and concurrent reports share one fetch, so forged identifiers or an
 * unreachable GitHub cannot make us hammer it (its unauthenticated API allows 60 calls an hour,
 * after which real reports would fail too). A failed or rate-limited fetch keeps the set we have:
 * only with no set at all does a report fail closed (503).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { KeywardError } from '../errors';

export interface GithubKeysOptions {
  url: string;
  ttlMs: number;
  refetchAfterMs: number;
  timeoutMs: number;
  now: () => number;
  fetch?: typeof fetch;
}

export interface GithubKeyring {
  /** The P-256 public key with this identifier; undefined when GitHub has none by that name. */
  find(identifier: string): Promise<KeyObject | undefined>;
}

/** The usable keys of a meta document: P-256 public keys only; anything else is skipped. */
export function parsePublicKeys(doc: unknown): Map<string, KeyObject> | undefined {
  const list = (doc as { public_keys?: unknown } | null)?.public_keys;
  if (!Array.isArray(list)) return undefined;
  const keys = new Map<string, KeyObject>();
  for (const item of list as Array<Record<string, unknown>>) {
    if (typeof item?.key_identifier !== 'string' || typeof item.key !== 'string') continue;
    try {
      const key = createPublicKey(item.key);
      if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') keys.set(item.key_identifier, key);
    } catch {
      // Not a key we can use: skip it, keep the others.
    }
  }
  return keys;
}

export function githubKeyring(options: GithubKeysOptions): GithubKeyring {
  const { now } = options;
  let keys: Map<string, KeyObject> | undefined;
  let fetchedAt = 0;
  let attemptedAt = -Infinity;
  let loading: Promise<void> | undefined;

  async function load(): Promise<void> {
    attemptedAt = now();
    try {
      const res = await (options.fetch ?? fetch)(options.url, {
        headers: { accept: 'application/vnd.github+json', 'user-agent': 'keyward-secret-scanning' },
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      if (!res.ok) return; // 403/429 when rate limited: keep what we have
      const parsed = parsePublicKeys(await res.json());
      if (parsed && parsed.size > 0) [keys, fetchedAt] = [parsed, now()];
    } catch {
      // Unreachable or not JSON: keep what we have.
    }
  }

  const refresh = () => (loading ??= load().finally(() => (loading = undefined)));
  const mayFetch = () => now() - attemptedAt >= options.refetchAfterMs;

  return {
    async find(identifier) {
      // No set yet, a stale one, or an identifier it lacks: fetch, but only when the interval since
      // the last attempt has passed (with no set too: failed fetches and forged identifiers would
      // otherwise fetch on every report), and never twice at once (a fetch under way is shared).
      const wanted = !keys || now() - fetchedAt > options.ttlMs || !keys.has(identifier);
      if (wanted && (loading || mayFetch())) await refresh();
      if (!keys) throw new KeywardError('unavailable', "GitHub's public keys could not be fetched; try again shortly.", { retryAfterSeconds: 60 });
      return keys.get(identifier);
    },
  };
}
