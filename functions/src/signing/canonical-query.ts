/**
 * The canonical query of a signed request: the query string decoded as
 * `application/x-www-form-urlencoded` (`+` is a space), every name and value percent-encoded
 * again as RFC 3986 (`encodeURIComponent`, plus `!'()*`), the pairs sorted by encoded name then
 * encoded value, joined as `name=value` with `&`. Client and server both use this module, so the
 * way a URL happens to be encoded on the wire never changes the signature. Pure.
 */

// A lone UTF-16 surrogate cannot be percent-encoded; WHATWG URL code turns it into U+FFFD, and so do we.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** RFC 3986 percent-encoding of one name or value (UTF-8, unreserved characters left alone). */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value.replace(LONE_SURROGATE, '\uFFFD')).replace(
    /[!'()*]/g,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase(),
  );
}

/** `rawQuery` is the query string without `?` (what follows it in the request target). */
export function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of new URLSearchParams(rawQuery)) pairs.push([encodeRfc3986(name), encodeRfc3986(value)]);
  // Encoded strings are ASCII: plain code-unit order is byte order.
  pairs.sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
