/**
 * What `PATCH /v1/keys/{id}` (and `updateApiKey`) may change, as an allow-list of field rules.
 * Pure. Each rule turns one body field into a change of the record, and refuses any change that
 * would let the key do more: scopes only narrow, expiry only comes sooner, a web key's origins
 * and any key's address ranges only shrink. Adding an editable field is adding one rule.
 */
import type { Claims } from '../identity';
import { invalidField, KeywardError } from '../errors';
import { ISO_DATE_HINT, parseIsoDate } from '../lib/iso-date';
import { onlyFields, optionalString, optionalStringList, requiredString, type Body } from '../lib/validate';
import { parseMetadata } from './metadata';
import type { KeyRecord } from './record';
import { cidrWithin, normalizeOrigin, parseCidr, scopesBeyond } from './restrictions';
import { SCOPE_PATTERN } from './restrictions';

export interface PatchContext {
  now: number;
  /** The owner's current claims (scopes are checked against them). */
  claims: Claims;
}

export type KeyChange = Partial<Pick<KeyRecord, 'name' | 'scopes' | 'expiresAt' | 'allowedOrigins' | 'allowedIps' | 'metadata' | 'disabledAt'>>;
type FieldRule = (body: Body, record: KeyRecord, ctx: PatchContext) => KeyChange;

export const NAME_PATTERN = /^[^\u0000-\u001f\u007f]+$/;

const bad = (message: string) => new KeywardError('invalid_request', message);
/** 403: the change would widen what the key may do; `field` names what. */
const wider = (field: string, message: string) => new KeywardError('forbidden', message, { field: `/${field}` });

export const parseScopes = (body: Body) => optionalStringList(body, 'scopes', { maxItems: 50, maxLength: 64, check: (s) => SCOPE_PATTERN.test(s) });
export const parseOrigins = (body: Body) =>
  optionalStringList(body, 'allowedOrigins', { maxItems: 20, maxLength: 256, check: (o) => normalizeOrigin(o) !== undefined })?.map((o) => normalizeOrigin(o)!);
export const parseIps = (body: Body) => optionalStringList(body, 'allowedIps', { maxItems: 20, maxLength: 64, check: (c) => parseCidr(c) !== undefined });

const RULES: Record<string, FieldRule> = {
  name: (body) => ({ name: requiredString(body, 'name', { max: 100, pattern: NAME_PATTERN }) }),

  scopes(body, record, ctx) {
    if (body.scopes === null) throw wider('scopes', 'scopes may only be narrowed: a key with scopes cannot be given all of your permissions again.');
    const scopes = parseScopes(body)!;
    const beyond = record.scopes === null ? scopesBeyond(ctx.claims, scopes) : scopes.filter((s) => !record.scopes!.includes(s));
    if (beyond.length) throw wider('scopes', `scopes may only be narrowed; the key cannot be given: ${beyond.slice(0, 5).join(', ')}.`);
    return { scopes };
  },

  expiresAt(body, record, ctx) {
    const at = parseIsoDate(optionalString(body, 'expiresAt', { max: 40 })!);
    if (at === undefined) throw invalidField('expiresAt', `expiresAt must be ${ISO_DATE_HINT}.`);
    if (at <= ctx.now) throw invalidField('expiresAt', 'expiresAt must be in the future.');
    if (at > record.expiresAt) throw wider('expiresAt', 'expiresAt may only be brought forward; create a new key for a later expiry.');
    return { expiresAt: at };
  },

  allowedOrigins(body, record) {
    const origins = parseOrigins(body)!;
    // Only web keys are held to their origins: for them the list may only shrink, and never to nothing.
    if (record.type === 'web') {
      if (origins.length === 0) throw invalidField('allowedOrigins', 'allowedOrigins: a web key needs at least one allowed origin.');
      const added = origins.filter((o) => !record.allowedOrigins.includes(o));
      if (added.length) throw wider('allowedOrigins', `allowedOrigins may only be narrowed; not allowed before: ${added.slice(0, 3).join(', ')}.`);
    }
    return { allowedOrigins: origins };
  },

  allowedIps(body, record) {
    const ips = parseIps(body)!;
    if (record.allowedIps.length > 0) {
      if (ips.length === 0) throw wider('allowedIps', 'allowedIps may only be narrowed: an empty list would allow every address.');
      const outside = ips.filter((ip) => !record.allowedIps.some((range) => cidrWithin(ip, range)));
      if (outside.length) throw wider('allowedIps', `allowedIps may only be narrowed; outside the current ranges: ${outside.slice(0, 3).join(', ')}.`);
    }
    return { allowedIps: ips };
  },

  metadata: (body) => ({ metadata: parseMetadata(body) ?? null }),

  disabled(body, record, ctx) {
    if (typeof body.disabled !== 'boolean') throw invalidField('disabled', 'disabled must be true or false.');
    return { disabledAt: body.disabled ? (record.disabledAt ?? ctx.now) : null };
  },
};

/** Create parses metadata with the same rules (keys/metadata.ts). */
export { MAX_METADATA_BYTES, parseMetadata } from './metadata';

export const PATCH_FIELDS = Object.keys(RULES);

/** The change a PATCH body asks for; refuses unknown fields, bad values and any widening. */
export function parsePatch(body: Body, record: KeyRecord, ctx: PatchContext): KeyChange {
  onlyFields(body, PATCH_FIELDS);
  const fields = Object.keys(body);
  if (fields.length === 0) throw bad(`Nothing to change: send one or more of ${PATCH_FIELDS.join(', ')}.`);
  return Object.assign({}, ...fields.map((f) => RULES[f]!(body, record, ctx))) as KeyChange;
}
