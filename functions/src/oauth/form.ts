/**
 * OAuth request bodies: `application/x-www-form-urlencoded` (RFC 6749 §3.2, RFC 7662 §2.1), each
 * parameter at most once, nothing in the URL. Pure.
 */
import { OAuthError } from './errors';

const MAX_VALUE_LENGTH = 8192;

export function parseForm(body: Buffer, contentType: string | undefined, rawQuery: string): Map<string, string> {
  if (rawQuery !== '') throw new OAuthError('invalid_request', 'Send the parameters in the form body, not in the URL.');
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new OAuthError('invalid_request', 'Send the parameters as application/x-www-form-urlencoded.');
  }
  const out = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) {
    if (out.has(name)) throw new OAuthError('invalid_request', `The parameter ${name.slice(0, 40)} is repeated.`);
    if (value.length > MAX_VALUE_LENGTH) throw new OAuthError('invalid_request', `The parameter ${name.slice(0, 40)} is too long.`);
    out.set(name, value);
  }
  return out;
}
