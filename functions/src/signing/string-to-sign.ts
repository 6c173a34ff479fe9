/**
 * What a signed request signs: these lines joined by `\n`.
 *
 *   KEYWARD-HMAC-SHA256
 *   <timestamp, unix seconds>
 *   <nonce>
 *   <METHOD>
 *   <path>
 *   <canonical query>
 *   <hex SHA-256 of the body>
 *   content-type:<value>          (only when the request has a Content-Type header)
 *   on-behalf-of:<uid>            (only when the request has an On-Behalf-Of header)
 *
 * The Content-Type says how the body is read (JSON, a form): signed, nobody in between can make
 * the same bytes mean something else. Its value is signed as sent, only without leading and
 * trailing spaces and tabs (which HTTP lets transports drop): not lower-cased, parameters kept.
 *
 * Pure; shared by the verifier and the client.
 */
import { canonicalQuery } from './canonical-query';

export const STRING_TO_SIGN_PREFIX = 'KEYWARD-HMAC-SHA256';

export interface SignedRequestParts {
  timestamp: string;
  nonce: string;
  method: string;
  /** The request path as sent, without the query string. */
  path: string;
  /** The raw query string without `?`; it is canonicalized here. */
  rawQuery: string;
  bodySha256: string;
  /** The Content-Type header's value, when the request has one. */
  contentType?: string;
  onBehalfOf?: string;
}

/** A signed header value: as sent, without HTTP's optional whitespace around it. */
export const signedHeaderValue = (value: string): string => value.replace(/^[ \t]+|[ \t]+$/g, '');

export function stringToSign(parts: SignedRequestParts): string {
  const lines = [
    STRING_TO_SIGN_PREFIX,
    parts.timestamp,
    parts.nonce,
    parts.method.toUpperCase(),
    parts.path,
    canonicalQuery(parts.rawQuery),
    parts.bodySha256,
  ];
  if (parts.contentType !== undefined) lines.push(`content-type:${signedHeaderValue(parts.contentType)}`);
  if (parts.onBehalfOf !== undefined) lines.push(`on-behalf-of:${parts.onBehalfOf}`);
  return lines.join('\n');
}
