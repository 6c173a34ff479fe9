/**
 * Verifies a range of the audit trail against the chains and their signed checkpoints
 * (docs/audit.md#verifying). Pure: the entries, the checkpoints of both stores and the public keys
 * are passed in, by `GET /v1/audit/verify` (actions/audit-verify.ts) and by `npm run audit:verify`
 * (an export file, offline). Every problem is reported with its place:
 * - `missing`: sequence numbers of a chain with no entry (deleted, or a tail cut off);
 * - `altered`: an entry whose content no longer gives its hash, or whose hash is not the one its
 *   successor or a signed checkpoint names;
 * - `reordered`: an entry moved in time (its hash holds with the time of its place in the chain);
 * - `inserted`: an entry with no place in a chain, a second entry for a place, or one after the
 *   chain's final checkpoint;
 * - `bad_signature`: a checkpoint whose signature fails;
 * - `checkpoint_missing`: a signed checkpoint one store has and the other lacks;
 * - `unfinished`: a chain that ended without a final checkpoint (an instance stopped abruptly):
 *   its last entries are covered by no signature. Not evidence of tampering, and said so.
 * Entries newer than `pendingMs` that no checkpoint covers yet are counted as `pending`.
 */
import type { JWK } from 'jose';
import { CHAIN_HASH, CHAIN_ID, entryHash, type ChainLink } from './chain';
import { checkpointClaims, verifyCheckpoint, type CheckpointClaims } from './checkpoint';

export type CheckpointStoreName = 'logging' | 'firestore';

/** An entry as a store returned it: its jsonPayload, untouched. */
export interface TrailEntry {
  /** ISO 8601 UTC with milliseconds. */
  timestamp: string;
  severity: string;
  insertId?: string;
  payload: Record<string, unknown>;
}

export interface StoredCheckpoint {
  store: CheckpointStoreName;
  jws: string;
}

export type ProblemKind = 'missing' | 'altered' | 'reordered' | 'inserted' | 'bad_signature' | 'checkpoint_missing' | 'unfinished';

/**
 * The kinds that are evidence of tampering: any of them makes `ok` false. `unfinished` is not one:
 * an instance killed before its final checkpoint leaves its last entries unsigned, which is
 * reported (those entries are proved by nothing) but is not itself a sign that anyone changed the trail.
 */
export const TAMPERING: ReadonlySet<ProblemKind> = new Set(['missing', 'altered', 'reordered', 'inserted', 'bad_signature', 'checkpoint_missing']);

export interface Problem {
  kind: ProblemKind;
  chain?: string;
  seq?: number;
  /** The last sequence number of a range (`missing`, `unfinished`). */
  toSeq?: number;
  insertId?: string;
  timestamp?: string;
  store?: CheckpointStoreName;
  message: string;
}

export interface VerifyReport {
  /** No problem of a tampering kind (TAMPERING); `unfinished` chains may still be listed in `problems`. */
  ok: boolean;
  /** Entries read and checked. */
  entries: number;
  chains: number;
  /** Signed checkpoints that verified (one per chain and sequence number, whichever stores hold it). */
  checkpoints: number;
  /** Recent entries no checkpoint covers yet (written within `pendingMs`): verify again later to cover them. */
  pending: number;
  problems: Problem[];
}

export interface VerifyInput {
  entries: readonly TrailEntry[];
  checkpoints: readonly StoredCheckpoint[];
  /** The stores the checkpoints were read from: a checkpoint one of them lacks is reported. */
  stores: readonly CheckpointStoreName[];
  jwks: readonly JWK[];
  /** The range the entries were read for (ISO); checkpoints after `to` only cover, they add no expectations. */
  from?: string;
  to: string;
  now: number;
  pendingMs: number;
}

interface Linked {
  entry: TrailEntry;
  link: ChainLink;
  content: { timestamp: string; severity: string; payload: Record<string, unknown> };
}

function linkOf(payload: Record<string, unknown>): ChainLink | undefined {
  const c = payload.chain as Record<string, unknown> | undefined;
  if (typeof c !== 'object' || c === null) return undefined;
  if (typeof c.id !== 'string' || !CHAIN_ID.test(c.id) || !Number.isSafeInteger(c.seq) || (c.seq as number) < 1) return undefined;
  if (typeof c.prev !== 'string' || typeof c.hash !== 'string' || !CHAIN_HASH.test(c.hash)) return undefined;
  return { id: c.id, seq: c.seq as number, prev: c.prev, hash: c.hash };
}

function withoutChain(payload: Record<string, unknown>): Record<string, unknown> {
  const { chain: _chain, ...rest } = payload;
  return rest;
}

const place = (l: Linked) => ({ chain: l.link.id, seq: l.link.seq, insertId: l.entry.insertId, timestamp: l.entry.timestamp });
const ranges = (seqs: number[]): Array<[number, number]> => {
  const out: Array<[number, number]> = [];
  for (const s of seqs) {
    const last = out[out.length - 1];
    if (last && last[1] === s - 1) last[1] = s;
    else out.push([s, s]);
  }
  return out;
};

export async function verifyTrail(input: VerifyInput): Promise<VerifyReport> {
  const problems: Problem[] = [];
  const to = input.to;

  // Checkpoints: signatures first; then one per (chain, seq), with the stores that hold it.
  const signed = new Map<string, Map<number, { claims: CheckpointClaims; stores: Set<CheckpointStoreName> }>>();
  for (const cp of input.checkpoints) {
    const result = await verifyCheckpoint(cp.jws, input.jwks);
    if ('error' in result) {
      const claimed = unverifiedClaims(cp.jws);
      problems.push({ kind: 'bad_signature', chain: claimed?.chain, seq: claimed?.seq, store: cp.store, message: `a checkpoint in ${cp.store} does not verify: ${result.error}` });
      continue;
    }
    const { claims } = result;
    const chain = signed.get(claims.chain) ?? new Map();
    signed.set(claims.chain, chain);
    const known = chain.get(claims.seq);
    if (known) known.stores.add(cp.store);
    else chain.set(claims.seq, { claims, stores: new Set([cp.store]) });
  }

  // Entries, by chain.
  const chains = new Map<string, Linked[]>();
  for (const entry of input.entries) {
    const link = linkOf(entry.payload);
    if (!link) {
      problems.push({ kind: 'inserted', insertId: entry.insertId, timestamp: entry.timestamp, message: 'an entry with no place in any chain' });
      continue;
    }
    const list = chains.get(link.id) ?? [];
    chains.set(link.id, list);
    list.push({ entry, link, content: { timestamp: entry.timestamp, severity: entry.severity, payload: withoutChain(entry.payload) } });
  }

  // Chains whose entries were all removed still have checkpoints in the range.
  for (const [id, cps] of signed) {
    if (!chains.has(id) && [...cps.values()].some((c) => c.claims.at <= to && (input.from === undefined || c.claims.at >= input.from))) chains.set(id, []);
  }

  let checkpointCount = 0;
  let pending = 0;
  for (const [id, list] of chains) {
    const cps = signed.get(id) ?? new Map<number, { claims: CheckpointClaims; stores: Set<CheckpointStoreName> }>();
    checkpointCount += cps.size;
    for (const { claims, stores } of cps.values()) {
      for (const store of input.stores) {
        if (!stores.has(store)) problems.push({ kind: 'checkpoint_missing', chain: id, seq: claims.seq, store, message: `the signed checkpoint at seq ${claims.seq} is in ${[...stores].join(', ')} but not in ${store}` });
      }
    }
    const voided = new Set<number>();
    for (const { claims } of cps.values()) for (const [a, b] of claims.void ?? []) for (let s = a; s <= b && s - a < 100_000; s++) voided.add(s);
    const heads = new Map([...cps.values()].map((c) => [c.claims.seq, c.claims.hash]));
    const sortedCps = [...cps.values()].map((c) => c.claims).sort((a, b) => a.seq - b.seq);
    const lastCp = sortedCps[sortedCps.length - 1];

    // Each entry's own hash; an entry moved in time holds with the time of its place.
    const bySeq = [...list].sort((a, b) => a.link.seq - b.link.seq || (a.entry.timestamp < b.entry.timestamp ? -1 : 1));
    const times = bySeq.map((l) => l.entry.timestamp).sort();
    const valid = new Set<Linked>();
    const bad = new Map<Linked, Problem>();
    bySeq.forEach((l, i) => {
      if (entryHash(l.link, l.content) === l.link.hash) return void valid.add(l);
      const placeTime = times[i]!;
      if (placeTime !== l.entry.timestamp && entryHash(l.link, { ...l.content, timestamp: placeTime }) === l.link.hash) {
        bad.set(l, { kind: 'reordered', ...place(l), message: `seq ${l.link.seq} was moved from ${placeTime} to ${l.entry.timestamp}` });
      } else {
        bad.set(l, { kind: 'altered', ...place(l), message: `the content of seq ${l.link.seq} no longer gives its hash` });
      }
    });

    // One entry per place: a second claimant is inserted (the one its successor or a checkpoint names stays).
    const claimants = new Map<number, Linked[]>();
    for (const l of bySeq) claimants.set(l.link.seq, [...(claimants.get(l.link.seq) ?? []), l]);
    const atSeq = new Map<number, Linked>();
    for (const [seq, rivals] of claimants) {
      if (rivals.length === 1) {
        atSeq.set(seq, rivals[0]!);
        continue;
      }
      const next = claimants.get(seq + 1)?.[0];
      const named = (r: Linked) => valid.has(r) && (next?.link.prev === r.link.hash || heads.get(seq) === r.link.hash);
      const keep = rivals.find(named) ?? rivals.find((r) => valid.has(r)) ?? rivals[0]!;
      atSeq.set(seq, keep);
      for (const r of rivals) if (r !== keep) bad.set(r, { kind: 'inserted', ...place(r), message: `a second entry claims seq ${seq}` });
    }
    for (const p of bad.values()) problems.push(p);

    // Links and signed heads.
    for (const [seq, l] of atSeq) {
      if (bad.has(l)) continue;
      const next = atSeq.get(seq + 1);
      const head = heads.get(seq);
      if (next && !bad.has(next) && next.link.prev !== l.link.hash) {
        problems.push({ kind: 'altered', ...place(l), message: `seq ${seq} is not the entry seq ${seq + 1} follows (its hash was recomputed)` });
      } else if (head !== undefined && head !== l.link.hash) {
        problems.push({ kind: 'altered', ...place(l), message: `seq ${seq} is not the entry the signed checkpoint names` });
      }
    }

    // Completeness: every place from the first found to the last a checkpoint in the range covers.
    const found = [...atSeq.keys()].sort((a, b) => a - b);
    const covering = sortedCps.filter((c) => c.at <= to).map((c) => c.seq);
    // With no entry found, the places surely inside the range are those after a checkpoint made at or
    // after `from` (each was written after it): places before may be older than `from`, not missing.
    const sinceFrom = sortedCps.find((c) => input.from === undefined || c.at >= input.from);
    const lo = found.length ? found[0]! : input.from === undefined ? 1 : sinceFrom ? sinceFrom.seq + 1 : Infinity;
    const hi = Math.max(found[found.length - 1] ?? 0, ...covering);
    const absent: number[] = [];
    for (let s = lo; s <= hi; s++) if (!atSeq.has(s) && !voided.has(s)) absent.push(s);
    for (const [a, b] of ranges(absent)) problems.push({ kind: 'missing', chain: id, seq: a, toSeq: b, message: a === b ? `seq ${a} is missing` : `seqs ${a} to ${b} are missing` });

    // The tail no checkpoint covers.
    const tail = found.filter((s) => s > (lastCp?.seq ?? 0));
    if (tail.length) {
      const last = atSeq.get(tail[tail.length - 1]!)!;
      if (lastCp?.final) {
        for (const s of tail) problems.push({ kind: 'inserted', ...place(atSeq.get(s)!), message: `seq ${s} comes after the chain's final checkpoint (seq ${lastCp.seq})` });
      } else if (input.now - Date.parse(last.entry.timestamp) < input.pendingMs) {
        pending += tail.length;
      } else {
        problems.push({
          kind: 'unfinished',
          chain: id,
          seq: tail[0],
          toSeq: tail[tail.length - 1],
          message: `the chain ended without a final checkpoint (its instance stopped abruptly): ${tail.length} last entries are covered by no signature; not in itself a sign of tampering`,
        });
      }
    }
  }

  return { ok: !problems.some((p) => TAMPERING.has(p.kind)), entries: input.entries.length, chains: chains.size, checkpoints: checkpointCount, pending, problems };
}

/** What a checkpoint claims, read without checking its signature: only to name a bad one's place. */
function unverifiedClaims(jws: string): CheckpointClaims | undefined {
  try {
    return checkpointClaims(JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8')));
  } catch {
    return undefined;
  }
}
