/**
 * The hash chain every audit entry carries (docs/audit.md#chain). Pure but for the clock-free
 * state of one chain. One chain per writer: a process (a Cloud Functions instance, a CLI run)
 * holds one audit sink and so one chain, with an id fixed when it starts. Each entry gets the next
 * sequence number, the hash of the entry before it (`prev`, empty for the first), and its own
 * hash: SHA-256, base64url, over the canonical JSON (audit/canonical.ts) of
 *   {chain: {id, seq, prev}, payload, severity, timestamp}
 * where `payload` is the entry's jsonPayload as stored (after redaction) without its `chain`
 * member, `severity` the entry's severity and `timestamp` its time as an ISO 8601 string in UTC
 * with milliseconds. So a verifier rebuilds the bytes from what Cloud Logging returns, and an entry
 * cannot be altered, moved in time, moved to another place or another chain without its hash, or
 * the next entry's `prev`, failing.
 */
import { hash as digest, randomBytes } from 'node:crypto';
import { canonicalJson } from './canonical';

/** An entry's place in its chain: stored in the jsonPayload as `chain`. */
export interface ChainLink {
  id: string;
  seq: number;
  /** The hash of entry `seq - 1` of the chain; '' for the first. */
  prev: string;
  hash: string;
}

/** What the hash covers besides the link. */
export interface ChainedContent {
  /** ISO 8601, UTC, milliseconds (`Date.prototype.toISOString`). */
  timestamp: string;
  severity: string;
  /** The jsonPayload without its `chain` member. */
  payload: Record<string, unknown>;
}

export const CHAIN_ID = /^[0-9a-f]{16}$/;
export const CHAIN_HASH = /^[A-Za-z0-9_-]{43}$/;

/** The hash of an entry at `{id, seq, prev}` with this content (`payload` without its `chain`). */
export function entryHash(place: { id: string; seq: number; prev: string }, content: ChainedContent): string {
  const bytes = canonicalJson({ chain: { id: place.id, prev: place.prev, seq: place.seq }, payload: content.payload, severity: content.severity, timestamp: content.timestamp });
  return digest('sha256', bytes, 'base64url');
}

export interface AuditChain {
  readonly id: string;
  /** The next link, for content about to be written. Synchronous: the cost is one hash (`npm run bench`: http.auditChainCpuUs). */
  link(content: ChainedContent): ChainLink;
  /** The last link made: what a checkpoint signs. Undefined before the first entry. */
  head(): { id: string; seq: number; hash: string } | undefined;
}

export function newChainId(): string {
  return randomBytes(8).toString('hex');
}

export function auditChain(id: string = newChainId()): AuditChain {
  let seq = 0;
  let prev = '';
  return {
    id,
    link(content) {
      const link: ChainLink = { id, seq: seq + 1, prev, hash: '' };
      link.hash = entryHash(link, content);
      seq = link.seq;
      prev = link.hash;
      return link;
    },
    head: () => (seq === 0 ? undefined : { id, seq, hash: prev }),
  };
}
