/** The two digests of the signing scheme, over UTF-8 text. Pure (Node's crypto only). */
import { createHash, createHmac } from 'node:crypto';

/** Lowercase hex HMAC-SHA256; the key is the signing secret string exactly as shown (`kws_…`). */
export function hmacSha256Hex(secret: string, message: string): string {
  return createHmac('sha256', secret).update(message, 'utf8').digest('hex');
}

/** Lowercase hex SHA-256 of the body bytes (of the empty string when there is no body). */
export function bodySha256Hex(body: Uint8Array | string = ''): string {
  return createHash('sha256').update(body).digest('hex');
}
