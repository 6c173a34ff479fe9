/** The shapes a signed request's parts must have, shared by the header and the issuance form. Pure. */

/**
 * What the wire grammar accepts where a key id goes: base62, length-capped so parsing stays cheap
 * whatever the key format becomes. Whether it is one of our key ids is keys/format.ts `isKeyId`.
 */
export const KEY_ID_TOKEN = /^[A-Za-z0-9]{1,64}$/;
/** Unix seconds, digits only (no sign, no fraction, no exponent). */
export const TIMESTAMP_PATTERN = /^[0-9]{1,12}$/;
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
/** Lowercase hex HMAC-SHA256: one spelling only, as the contract fixes it. */
export const SIGNATURE_PATTERN = /^[0-9a-f]{64}$/;

/** Whether a timestamp (unix seconds) is within `windowSeconds` of `nowMs`, either way. */
export function isFresh(timestamp: string, nowMs: number, windowSeconds: number): boolean {
  const seconds = Number(timestamp);
  return Number.isSafeInteger(seconds) && Math.abs(nowMs / 1000 - seconds) <= windowSeconds;
}
