/**
 * Signed token requests (`POST /v1/auth/issue` with `key_id`, `nonce`, `timestamp`, `signature`
 * and optional parameters) sign the normalized parameter string, the way QuickBlox signs its
 * session requests: every parameter but `signature`, sorted by name, `name=value` joined by
 * `&`, values exactly as sent (not encoded). Pure; shared by the server and the client.
 */

export const SIGNATURE_PARAM = 'signature';

export function normalizedParameters(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .filter((name) => name !== SIGNATURE_PARAM)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => `${name}=${params[name]}`)
    .join('&');
}

/**
 * A JSON body value as the text it was signed as: a string as is, an integer in decimal.
 * Anything else (objects, lists, booleans, null, fractions) has no single text form: undefined.
 */
export function parameterText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}
