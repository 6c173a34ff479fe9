/**
 * Decisions as values. A rule answers `accepted` (with what it accepted) or `refused` with an
 * error code and a message; it never throws and does no I/O, so it is tested with plain values.
 * The orchestrator that loaded the inputs turns a refusal into a KeywardError (`enforce`) at its
 * boundary, where it is audited and mapped to the transport.
 */
import { KeywardError, type ErrorCode, type ErrorDetails } from './errors';

export interface Refused {
  accepted: false;
  code: ErrorCode;
  message: string;
  /** What a caller needs to retry or re-authenticate (a challenge, a Retry-After). */
  details?: ErrorDetails;
}

export type Decision<T = undefined> = { accepted: true; value: T } | Refused;

/** Shared: an acceptance without a value allocates nothing on the hot path. */
const ACCEPTED: Decision = Object.freeze({ accepted: true, value: undefined });

export function accept(): Decision;
export function accept<T>(value: T): Decision<T>;
export function accept<T>(value?: T): Decision<T | undefined> {
  return value === undefined ? ACCEPTED : { accepted: true, value };
}

export function refuse(code: ErrorCode, message: string, details?: ErrorDetails): Refused {
  return details === undefined ? { accepted: false, code, message } : { accepted: false, code, message, details };
}

/** The accepted value, or the refusal thrown as a KeywardError: for the orchestration boundary. */
export function enforce<T>(decision: Decision<T>): T {
  if (decision.accepted) return decision.value;
  throw new KeywardError(decision.code, decision.message, decision.details);
}
