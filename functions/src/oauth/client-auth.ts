/**
 * OAuth client authentication with a Keyward key (RFC 6749 §2.3.1): the client id is the key id,
 * the client secret is the key's secret part (`<type>_<client id>_<client secret>`).
 * - `client_secret_basic`: `Authorization: Basic base64(urlencode(id) ":" urlencode(secret))`;
 * - `client_secret_post`: `client_id` and `client_secret` form parameters.
 * One method per request. Pure: a parsed key, nothing (no client credentials), or an OAuthError.
 */
import { decodeBase64 } from '../credentials/read';
import { acceptedPrefixes, parseKeyPair, type ParsedKey } from '../keys/format';
import { invalidClient, OAuthError } from './errors';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post';

export interface ClientCredentials {
  method: ClientAuthMethod;
  key: ParsedKey;
}

/** application/x-www-form-urlencoded decoding of one Basic credential part. */
function formDecode(part: string): string | undefined {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function basicPair(value: string): [string, string] {
  const decoded = decodeBase64(value);
  const colon = decoded?.indexOf(':') ?? -1;
  const id = colon === -1 ? undefined : formDecode(decoded!.slice(0, colon));
  const secret = colon === -1 ? undefined : formDecode(decoded!.slice(colon + 1));
  if (id === undefined || secret === undefined) throw invalidClient('The Basic credentials are malformed.');
  return [id, secret];
}

/**
 * The client credentials of a request, if it sends any. `authorization` holds every
 * `Authorization` header sent; a scheme other than Basic is left to the caller. `keyPrefix` is
 * the deployment's: the secret's checksum covers it (keys/format.ts), as in `/v1`'s pair forms.
 */
export function readClientCredentials(authorization: string[], form: Map<string, string>, keyPrefix: string): ClientCredentials | undefined {
  if (authorization.length > 1) throw new OAuthError('invalid_request', 'Send one Authorization header.');
  const [scheme, value] = (authorization[0] ?? '').split(/ +/, 2) as [string, string | undefined];
  const basic = scheme.toLowerCase() === 'basic';
  const formId = form.get('client_id');
  const formSecret = form.get('client_secret');
  let method: ClientAuthMethod;
  let id: string;
  let secret: string;
  if (basic) {
    if (formSecret !== undefined) throw new OAuthError('invalid_request', 'Use one client authentication method: Basic or client_secret, not both.');
    [id, secret] = basicPair(value ?? '');
    if (formId !== undefined && formId !== id) throw new OAuthError('invalid_request', 'client_id differs from the Basic credentials.');
    method = 'client_secret_basic';
  } else if (formSecret !== undefined) {
    if (authorization.length) throw new OAuthError('invalid_request', 'Use one client authentication method: an Authorization header or client_secret, not both.');
    if (formId === undefined) throw invalidClient('client_secret needs client_id.');
    [id, secret] = [formId, formSecret];
    method = 'client_secret_post';
  } else {
    return undefined;
  }
  const key = parseKeyPair(id, secret, acceptedPrefixes(keyPrefix));
  if (!key) throw invalidClient('The client id or secret is malformed.');
  return { method, key };
}
