/**
 * One audit event as one Cloud Logging entry, and back. Pure.
 * - jsonPayload `{version, event, outcome, actor, target, request, reason?}`: structured, so user
 *   agents, paths and origins are values, never text a log parser could split;
 * - severity by outcome: success INFO, failure WARNING, error ERROR;
 * - labels for what auditors filter on (indexed by Cloud Logging, and what `GET /v1/audit`
 *   filters on): `event`, `outcome`, `actor_uid`, `actor_method`, `actor_key_id`, `target_uid`,
 *   `key_id` (the key acted on, else the key used), `team_id` (the team acted on or owning the key), `request_id`;
 * - the timestamp is the event's own time (access entries are written later, in batches), and
 *   the insertId is fixed when the entry is made, so a retried write cannot duplicate it.
 */
import type { AuditActor, AuditEvent, AuditEventName, AuditLocation, AuditOutcome, AuditRequest, AuditTarget } from './events';
import { CHAIN_HASH, CHAIN_ID } from './chain';
import { safeEvent } from './redact';

export const PAYLOAD_VERSION = 1;

export type Severity = 'INFO' | 'WARNING' | 'ERROR';

const SEVERITY: { readonly [O in AuditOutcome]: Severity } = { success: 'INFO', failure: 'WARNING', error: 'ERROR' };

/** What an entry says of its event: written in the payload, read back into the view, in this order. */
export interface EventFields {
  event: AuditEventName;
  outcome: AuditOutcome;
  actor: AuditActor;
  target: AuditTarget;
  request: Partial<AuditRequest>;
  reason?: string;
  location?: AuditLocation;
}

export interface AuditPayload extends EventFields {
  version: number;
}

export interface PreparedEntry {
  timestamp: Date;
  insertId: string;
  severity: Severity;
  labels: Record<string, string>;
  payload: AuditPayload;
}

export function severityOf(outcome: AuditOutcome): Severity {
  return SEVERITY[outcome];
}

/** Labels of an event that has been through `safeEvent`. */
export function labelsOf(e: AuditEvent): Record<string, string> {
  const labels: Record<string, string | undefined> = {
    event: e.event,
    outcome: e.outcome,
    actor_uid: e.actor.uid,
    actor_method: e.actor.method,
    actor_key_id: e.actor.keyId,
    target_uid: e.target?.uid,
    key_id: e.target?.keyId ?? e.actor.keyId,
    team_id: e.target?.team,
    request_id: e.request?.requestId,
  };
  const out: Record<string, string> = {};
  for (const k in labels) {
    const v = labels[k];
    if (typeof v === 'string' && v !== '') out[k] = v;
  }
  return out;
}

/** `head`, then the fields of an event that has been through `safeEvent`. */
function withEventFields<T extends object>(head: T, e: AuditEvent): T & EventFields {
  const out: T & EventFields = { ...head, event: e.event, outcome: e.outcome, actor: e.actor, target: e.target ?? {}, request: e.request ?? {} };
  if (e.reason !== undefined) out.reason = e.reason;
  if (e.location !== undefined) out.location = e.location;
  return out;
}

/** Makes the entry for `event` at `at` (epoch ms). Throws on an event outside the closed sets. */
export function prepareEntry(event: AuditEvent, at: number, insertId: string): PreparedEntry {
  const e = safeEvent(event);
  const payload = withEventFields({ version: PAYLOAD_VERSION }, e);
  return { timestamp: new Date(at), insertId, severity: severityOf(e.outcome), labels: labelsOf(e), payload };
}

/** An entry as `GET /v1/audit` and `queryAuditLog` return it. */
export interface AuditEntryView extends EventFields {
  timestamp: string;
  severity: string;
  /** Its place in its writer's hash chain (audit/chain.ts); absent on entries written before chaining. */
  chain?: { id: string; seq: number; hash: string };
}

export interface RawEntry {
  timestamp?: Date | string | null;
  severity?: string | number | null;
  data?: unknown;
  insertId?: string | null;
  logName?: string | null;
}

/** The chain place of a payload, when it has a well-formed one. */
export function chainOf(data: Record<string, unknown>): { id: string; seq: number; hash: string } | undefined {
  const c = data.chain;
  if (!isObject(c) || typeof c.id !== 'string' || !CHAIN_ID.test(c.id) || !Number.isSafeInteger(c.seq) || typeof c.hash !== 'string' || !CHAIN_HASH.test(c.hash)) return undefined;
  return { id: c.id, seq: c.seq as number, hash: c.hash };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads an entry back. It goes through `safeEvent` again, so only known fields come out, and
 * anything written to the log by other means is held to the same rules. Undefined for an entry
 * that is not an audit event.
 */
export function entryView(raw: RawEntry): AuditEntryView | undefined {
  const data = raw.data;
  if (!isObject(data) || !isObject(data.actor)) return undefined;
  const time = raw.timestamp instanceof Date ? raw.timestamp : typeof raw.timestamp === 'string' ? new Date(raw.timestamp) : undefined;
  if (!time || Number.isNaN(time.getTime())) return undefined;
  let e: AuditEvent;
  try {
    e = safeEvent({
      event: data.event as AuditEventName,
      outcome: data.outcome as AuditOutcome,
      actor: data.actor as AuditActor,
      target: isObject(data.target) ? (data.target as AuditTarget) : undefined,
      request: isObject(data.request) && Object.keys(data.request).length ? (data.request as unknown as AuditRequest) : undefined,
      reason: typeof data.reason === 'string' ? data.reason : undefined,
      location: isObject(data.location) ? (data.location as AuditLocation) : undefined,
    });
  } catch {
    return undefined;
  }
  const view: AuditEntryView = withEventFields({ timestamp: time.toISOString(), severity: typeof raw.severity === 'string' ? raw.severity : severityOf(e.outcome) }, e);
  const chain = chainOf(data);
  if (chain) view.chain = chain;
  return view;
}

export interface EntryPage {
  entries: RawEntry[];
  nextPageToken?: string;
}

/** One page of ListLogEntries, newest first (audit/cloud-logging.ts). */
export type ListEntries = (request: { filter: string; pageSize: number; pageToken?: string; order?: 'asc' | 'desc' }) => Promise<EntryPage>;
