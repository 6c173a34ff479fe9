/**
 * What `PATCH /v1/keys/{id}` (and `updateApiKey`) may change: the never-widen rules. Pure. The
 * body's shape is the contract's (contract/requests.ts `KeyPatchBody`, checked before this runs);
 * each rule here turns one field into a change of the record, and refuses any change that would
 * let the key do more: scopes only narrow, expiry only comes sooner, a web key's origins and any
 * key's address ranges only shrink. Adding an editable field is adding one rule.
 */
import type { Claims } from '../identity';
import { invalidField, KeywardError } from '../errors';
import { parseIsoDate } from '../lib/iso-date';
import type { KeyRecord } from './record';
import { cidrWithin, normalizeOrigin, scopesBeyond } from './restrictions';

export interface PatchContext {
  now: number;
  /** The owner's current claims (scopes are checked against them). */
  claims: Claims;
}

/** A PATCH body's narrowing fields, as the contract's schema let them through. */
export interface KeyPatch {
  name?: string;
  scopes?: string[] | null;
  expiresAt?: string;
  allowedOrigins?: string[];
  allowedIps?: string[];
  metadata?: Record<string, unknown> | null;
  disabled?: boolean;
}

export type KeyChange = Partial<Pick<KeyRecord, 'name' | 'scopes' | 'expiresAt' | 'allowedOrigins' | 'allowedIps' | 'metadata' | 'disabledAt'>>;
type FieldRule<F extends keyof KeyPatch> = (value: NonNullable<KeyPatch[F]> | null, record: KeyRecord, ctx: PatchContext) => KeyChange;

/** 403: the change would widen what the key may do; `field` names what. */
const wider = (field: string, message: string) => new KeywardError('forbidden', message, { field: `/${field}` });

/** Lists are sets: the first of each entry is kept. */
export const unique = (items: readonly string[]): string[] => [...new Set(items)];
/** Origins as the key stores them (the schema has checked that each is one). */
export const origins = (items: readonly string[]): string[] => unique(items.map((o) => normalizeOrigin(o)!));

const RULES: { [F in keyof Required<KeyPatch>]: FieldRule<F> } = {
  name: (name) => ({ name: name! }),

  scopes(value, record, ctx) {
    if (value === null) throw wider('scopes', 'scopes may only be narrowed: a key with scopes cannot be given all of your permissions again.');
    const scopes = unique(value);
    const beyond = record.scopes === null ? scopesBeyond(ctx.claims, scopes) : scopes.filter((s) => !record.scopes!.includes(s));
    if (beyond.length) throw wider('scopes', `scopes may only be narrowed; the key cannot be given: ${beyond.slice(0, 5).join(', ')}.`);
    return { scopes };
  },

  expiresAt(value, record, ctx) {
    const at = parseIsoDate(value!)!;
    if (at <= ctx.now) throw invalidField('expiresAt', 'expiresAt must be in the future.');
    if (at > record.expiresAt) throw wider('expiresAt', 'expiresAt may only be brought forward; create a new key for a later expiry.');
    return { expiresAt: at };
  },

  allowedOrigins(value, record) {
    const allowed = origins(value!);
    // Only web keys are held to their origins: for them the list may only shrink, and never to nothing.
    if (record.type === 'web') {
      if (allowed.length === 0) throw invalidField('allowedOrigins', 'allowedOrigins: a web key needs at least one allowed origin.');
      const added = allowed.filter((o) => !record.allowedOrigins.includes(o));
      if (added.length) throw wider('allowedOrigins', `allowedOrigins may only be narrowed; not allowed before: ${added.slice(0, 3).join(', ')}.`);
    }
    return { allowedOrigins: allowed };
  },

  allowedIps(value, record) {
    const ips = unique(value!);
    if (record.allowedIps.length > 0) {
      if (ips.length === 0) throw wider('allowedIps', 'allowedIps may only be narrowed: an empty list would allow every address.');
      const outside = ips.filter((ip) => !record.allowedIps.some((range) => cidrWithin(ip, range)));
      if (outside.length) throw wider('allowedIps', `allowedIps may only be narrowed; outside the current ranges: ${outside.slice(0, 3).join(', ')}.`);
    }
    return { allowedIps: ips };
  },

  metadata: (metadata) => ({ metadata: metadata ?? null }),

  disabled: (disabled, record, ctx) => ({ disabledAt: disabled ? (record.disabledAt ?? ctx.now) : null }),
};

/** The change a validated PATCH body asks for; refuses any widening. */
export function parsePatch(body: KeyPatch, record: KeyRecord, ctx: PatchContext): KeyChange {
  const fields = (Object.keys(RULES) as Array<keyof KeyPatch>).filter((f) => body[f] !== undefined);
  return Object.assign({}, ...fields.map((f) => (RULES[f] as FieldRule<typeof f>)(body[f] ?? null, record, ctx))) as KeyChange;
}
