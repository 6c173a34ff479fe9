/// <reference types="node" />
/**
 * What Keyward's rules see of a request, whatever carried it (Express, a callable, a test): a
 * plain value built once at the edge (http/context.ts, callables.ts). Verifiers, rules and the
 * audit trail read this, never a framework's request. (The console shares the audit vocabulary
 * that names this type, hence the explicit Node reference for `Buffer`.)
 */
/** A request body or a callable's data: a JSON object, not yet validated. */
export type Body = Record<string, unknown>;

export type HeaderMap = Readonly<Record<string, string | string[] | undefined>>;

export interface RequestContext {
  requestId: string;
  method: string;
  /** Path without the query string. */
  path: string;
  /** The raw query string, without `?` ('' when there is none). */
  rawQuery: string;
  /** The client address, derived at the edge by the trusted-proxy rule. */
  ip: string;
  userAgent: string;
  origin: string | undefined;
  /** Header values by lower-case name (repeats joined or listed as the transport gave them). */
  headers: HeaderMap;
  /** Names and values as sent, alternating: shows repeats a header map may hide. */
  rawHeaders: readonly string[];
  rawBody: Buffer;
  body: Record<string, unknown>;
}

/** The first value of a header, or undefined. */
export function headerValue(headers: HeaderMap, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
