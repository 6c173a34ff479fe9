/**
 * What makes an audit event safe to write, in one place. Pure. Every string of every event goes
 * through `safeEvent` before it reaches Cloud Logging:
 * 1. control, bidi and zero-width characters (and lone surrogates) become U+FFFD, so a user agent,
 *    a path or an origin can never start a new line or reorder text in a log viewer: they are
 *    data, and they travel as values of a structured jsonPayload, never as text to be parsed;
 * 2. anything shaped like a credential becomes `[redacted]`: API key strings, signing secrets,
 *    JWTs (ID tokens, session cookies, access tokens), credentials in header or `name=value`
 *    syntax, base64 that decodes to a key, and (in free text) long opaque runs such as bare key
 *    secrets and hex signatures;
 * 3. every field is capped to a length fit for its content.
 * Redaction runs before the final cap, so a credential cannot survive by being cut in half.
 */
import { AUDIT_OUTCOMES, isAuditEventName, type AuditEvent } from './events';
import { memoized } from '../lib/memo';

export const REDACTED = '[redacted]';

/** Shapes that are credentials wherever they appear (identifiers included). */
const CREDENTIAL_SHAPES: readonly RegExp[] = [
  // API keys `<type>_<key id>_<secret>`, also cut short or mistyped (real ones: 16 and 38).
  /(?:server|web|mobile)_[A-Za-z0-9]{8,}_[A-Za-z0-9]{8,}/gi,
  // Derived signing secrets.
  /kws_[A-Za-z0-9_-]*/gi,
  // JWTs: a base64url JSON header (`eyJ`), then one or two more parts (alg:none ends with a dot).
  /eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){1,2}/g,
  // Anything else shaped like a JWS: three long base64url parts.
  /[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/g,
  // Header syntax: `Bearer x`, `ApiKey x`, `Basic x`, `Keyward-HMAC-SHA256 x`.
  /\b(?:bearer|apikey|basic|keyward-hmac-sha256)\s+[^\s,;]+/gi,
  // The session cookie, and secrets in `name=value` syntax (queries, cookies, signature headers).
  /__session=[^;\s]*/gi,
  /\b(?:signature|secret|api_secret|token|access_token|id_token|idtoken|api_?key|key|password|credential)=[^&\s;,]+/gi,
];

/**
 * Every shape above needs one of these in its match (`_`, `.`, `=`, white space, or `eyJ`): text
 * without any of them skips the list (UUIDs, addresses, most user agents and paths).
 */
const SHAPE_TRIGGER = /[_.=\s]|eyJ/;

/** Free text only: a run of 32+ letters and digits is a bare secret, a hex signature or a digest. */
const OPAQUE_RUN = /(?<![A-Za-z0-9])[A-Za-z0-9]{32,}(?![A-Za-z0-9])/g;

/** Base64 candidates: decoded, they are checked for the key shapes (the pair forms of API keys). */
const BASE64_RUN = /[A-Za-z0-9+/_-]{24,}={0,2}/g;
const DECODED_KEY = /(?:^|[^A-Za-z0-9])[A-Za-z0-9]{16}:[A-Za-z0-9]{20,}|(?:server|web|mobile)_[A-Za-z0-9]{8,}_|^[A-Za-z0-9]{38}$/;

const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function decodesToKey(run: string): boolean {
  const text = Buffer.from(run, /[-_]/.test(run) ? 'base64url' : 'base64').toString('latin1');
  return DECODED_KEY.test(text);
}

/** Replaces every credential shape in `text` with `[redacted]`. */
export function redact(text: string, freeText = true): string {
  let out = text;
  if (SHAPE_TRIGGER.test(out)) for (const shape of CREDENTIAL_SHAPES) out = out.replace(shape, REDACTED);
  out = out.replace(BASE64_RUN, (run) => (decodesToKey(run) ? REDACTED : run));
  if (freeText) out = out.replace(OPAQUE_RUN, REDACTED);
  return out;
}

/** Control, bidi and zero-width characters and lone surrogates become U+FFFD. */
export function stripUnsafe(text: string): string {
  return text.replace(UNSAFE_CHARS, '\ufffd').replace(LONE_SURROGATE, '\ufffd');
}

function cap(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1); // never split a surrogate pair
  return `${cut}…`;
}

/** One string made safe to log: stripped, redacted, capped to `max` characters. */
export function safeText(value: unknown, max: number, freeText = true): string | undefined {
  if (value === undefined || value === null) return undefined;
  const raw = String(value);
  // Performance (measured by `npm run bench`): every authenticated request is audited, and the
  // dozen regular expressions above cost ~20 µs per event, spent again on the same uid, key id,
  // method, address, user agent and path request after request. The result depends only on
  // (value, max, freeText), so short values are remembered; the memo is bounded (cleared when full).
  if (raw.length > MEMO_MAX_LENGTH) return computeSafeText(raw, max, freeText);
  return memoFor(max, freeText)(raw);
}

function computeSafeText(raw: string, max: number, freeText: boolean): string {
  return cap(redact(stripUnsafe(raw).slice(0, max * 4), freeText), max);
}

const MEMO_MAX_LENGTH = 512;
const MEMO_MAX_ENTRIES = 4096;
const memos = new Map<number, (raw: string) => string>();

/** One memo per (max, freeText): few distinct pairs exist (the field limits below). */
function memoFor(max: number, freeText: boolean): (raw: string) => string {
  const key = freeText ? max : -max - 1;
  let memo = memos.get(key);
  if (!memo) {
    memo = memoized((raw) => computeSafeText(raw, max, freeText), MEMO_MAX_ENTRIES);
    memos.set(key, memo);
  }
  return memo;
}

/** Field limits. Identifiers get every credential rule except the opaque-run one (a uid may be long). */
const LIMITS = {
  uid: 128,
  keyId: 64,
  role: 64,
  authMethod: 32,
  ip: 64,
  userAgent: 256,
  origin: 256,
  httpMethod: 16,
  path: 512,
  requestId: 64,
  reason: 256,
  url: 1024,
  source: 64,
} as const;

const id = (value: unknown, max: number) => safeText(value, max, false);
/**
 * A canonical UUID (hex digits and dashes, 36 characters) is left as it is without running the
 * rules: it has no unsafe character and nothing the shapes need (`_`, `.`, `=`, space, `eyJ`), and
 * its base64 decoding (27 bytes) is too short for the pair forms and can hold no `e` or `b` at
 * any position, so no `server_`, `web_` or `mobile_`. Request ids are UUIDs (http/context.ts).
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An identifier new on every event (the request id): remembering it would only evict the others. */
function uniqueId(value: unknown, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  const raw = String(value);
  return max >= 36 && UUID.test(raw) ? raw : computeSafeText(raw, max, false);
}
const text = (value: unknown, max: number) => safeText(value, max, true);

/** Drops undefined members, so the payload has only what is known. */
function defined<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out as T;
}

/**
 * The event as it may be written. Throws on an event name or outcome outside the closed sets
 * (a programming error: `record` rejects, `access` counts it as dropped).
 */
export function safeEvent(e: AuditEvent): AuditEvent {
  if (!isAuditEventName(e.event)) throw new TypeError(`unknown audit event ${JSON.stringify(String(e.event).slice(0, 40))}`);
  if (!(AUDIT_OUTCOMES as readonly string[]).includes(e.outcome)) throw new TypeError('unknown audit outcome');
  const actor = e.actor ?? {};
  return defined({
    event: e.event,
    outcome: e.outcome,
    actor: defined({ uid: id(actor.uid, LIMITS.uid), method: id(actor.method, LIMITS.authMethod), keyId: id(actor.keyId, LIMITS.keyId) }),
    target: e.target && defined({ uid: id(e.target.uid, LIMITS.uid), keyId: id(e.target.keyId, LIMITS.keyId), role: id(e.target.role, LIMITS.role), tokenId: id(e.target.tokenId, LIMITS.requestId), team: id(e.target.team, LIMITS.keyId) }),
    request:
      e.request &&
      defined({
        ip: id(e.request.ip, LIMITS.ip) ?? '',
        userAgent: text(e.request.userAgent, LIMITS.userAgent) ?? '',
        origin: text(e.request.origin, LIMITS.origin),
        method: id(e.request.method, LIMITS.httpMethod) ?? '',
        path: text(e.request.path, LIMITS.path) ?? '',
        requestId: uniqueId(e.request.requestId, LIMITS.requestId) ?? '',
      }),
    reason: text(e.reason, LIMITS.reason),
    // URLs hold commit hashes: identifiers, so the opaque-run rule would cut them.
    location: e.location && defined({ url: id(e.location.url, LIMITS.url), source: id(e.location.source, LIMITS.source) }),
  }) as AuditEvent;
}
