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
 *   on-behalf-of:<uid>            (only when the request has an On-Behalf-Of header)
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
  onBehalfOf?: string;
}

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
  if (parts.onBehalfOf !== undefined) lines.push(`on-behalf-of:${parts.onBehalfOf}`);
  return lines.join('\n');
}
