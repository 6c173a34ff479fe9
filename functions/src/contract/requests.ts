/**
 * What a caller may send, as zod schemas that both validate the requests (contract/parse.ts) and
 * describe them in the OpenAPI document (contract/schemas.ts re-exports them). The shape and
 * format of every field is checked here; what depends on the stored record, the clock or the
 * configuration (never widen a key, an expiry in the future, the project's ceilings) stays with
 * the rules that own it.
 *
 * Messages: a sentence starting with a capital is shown as written; anything else is said of the
 * field, so `must be a string.` on `name` reads `name must be a string.` (contract/parse.ts).
 */
import { z } from 'zod';
import { AUDIT_EVENTS } from '../audit/events';
import { APP_ID_PATTERN } from '../credentials/app-check';
import { KEY_TYPES, UID_PATTERN } from '../identity';
import { isKeyId } from '../keys/format';
import { MAX_CREDITS } from '../keys/limits';
import { metadataProblem } from '../keys/metadata';
import { normalizeOrigin, parseCidr, SCOPE_PATTERN } from '../keys/restrictions';
import { ISO_DATE_HINT, ISO_DATE_TIME_HINT, parseIsoDate } from '../lib/iso-date';
import { hasLoneSurrogate } from '../lib/strict-json';
import { isGrantable, TEAM_ID_PATTERN } from '../teams/record';
import { TEAM_ROLES } from '../teams/roles';

/** A key's name: any printable text. */
export const NAME_PATTERN = /^[^\u0000-\u001f\u007f]+$/;
export const MAX_GRACE_SECONDS = 604_800;
export const MAX_PAGE_SIZE = 1000;
const PAGE_TOKEN = /^[A-Za-z0-9+/=_.~-]+$/;
const MAX_ID_TOKEN_LENGTH = 8192;

const NOT_ALLOWED = 'has characters that are not allowed.';

/** A string of `min` to `max` characters (`pattern`, when given), without lone surrogates. */
function text(max: number, opts: { min?: number; pattern?: RegExp; error?: string } = {}) {
  const min = opts.min ?? 1;
  const length = opts.error ?? `must be ${min} to ${max} characters.`;
  const s = z.string().min(min, { error: length }).max(max, { error: length });
  return (opts.pattern ? s.regex(opts.pattern, { error: opts.error ?? NOT_ALLOWED }) : s).refine((v) => !hasLoneSurrogate(v), { error: opts.error ?? NOT_ALLOWED });
}

/** A whole number from `min` to `max`. */
function count(min: number, max?: number) {
  const error = max === undefined ? `must be a whole number of at least ${min}.` : `must be a whole number from ${min} to ${max}.`;
  const n = z.number({ error }).int({ error }).min(min, { error });
  return max === undefined ? n : n.max(max, { error });
}

/** A list of at most `maxItems` strings of 1 to `maxLength` characters, each passing `valid`. */
function list(maxItems: number, maxLength: number, valid: (item: string) => boolean) {
  const entries = `entries must be strings of 1 to ${maxLength} characters.`;
  const item = z
    .string({ error: entries })
    .min(1, { error: entries })
    .max(maxLength, { error: entries })
    .refine((v) => valid(v) && !hasLoneSurrogate(v), { error: (iss) => `has an invalid entry: ${JSON.stringify(String(iss.input).slice(0, 64))}.` });
  return z.array(item, { error: `must be a list of at most ${maxItems} strings.` }).max(maxItems, { error: `must be a list of at most ${maxItems} strings.` });
}

/** A date or date-time as lib/iso-date.ts reads it (`time: required`: a date-time). */
function isoDate(time: 'optional' | 'required' = 'optional') {
  const error = `must be ${time === 'required' ? ISO_DATE_TIME_HINT : ISO_DATE_HINT}.`;
  return z
    .string({ error })
    .max(40, { error })
    .refine((v) => parseIsoDate(v, { time }) !== undefined, { error })
    .meta({
      description: time === 'required' ? 'An ISO 8601 date-time with a zone (2027-02-28T12:00:00Z).' : 'An ISO 8601 date that exists (2027-02-28) or a date-time with a zone (2027-02-28T12:00:00Z).',
      example: time === 'required' ? '2027-02-28T12:00:00Z' : '2027-02-28',
    });
}

const KeyTypeInput = z.enum(KEY_TYPES, { error: 'must be server, web or mobile.' });
const Scopes = list(50, 64, (s) => SCOPE_PATTERN.test(s)).meta({ description: 'Permission and role names the key may use: never more than its owner holds.' });
const Origins = list(20, 256, (o) => normalizeOrigin(o) !== undefined).meta({ description: 'Web keys: the origins that may use the key (`https://app.example`).' });
const Ips = list(20, 64, (c) => parseCidr(c) !== undefined).meta({ description: 'Addresses or CIDR ranges the key may be used from; empty: any.' });
const Uid = text(128, { pattern: UID_PATTERN, error: 'must be a user id (1 to 128 of A-Z a-z 0-9 _ . : @ -).' });
const KeyIdInput = z.string({ error: 'must be a key id (16 letters and digits).' }).refine(isKeyId, { error: 'must be a key id (16 letters and digits).' });

/** Firestore-safe JSON (keys/metadata.ts), checked on the value as sent: before the record drops a `__proto__` key. */
const Metadata = z
  .preprocess(
    (value, ctx) => {
      const problem = metadataProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
      return value;
    },
    z.record(z.string(), z.unknown(), { error: 'must be a JSON object.' }).nullable(),
  )
  .meta({ description: 'A small JSON object kept with the key (at most 1,024 bytes, 5 levels); null clears it.' });

export const LimitsInput = z
  .object({ requestsPerMinute: count(1).optional(), requestsPerDay: count(1).optional() })
  .strict()
  .meta({ description: "Request limits, within the key type's (or the owner's) ceiling." });
export const CreditsInput = z
  .object({
    remaining: count(0, MAX_CREDITS),
    refill: z
      .object({ amount: count(1, MAX_CREDITS), interval: z.enum(['day', 'month'], { error: 'must be day or month.' }) })
      .strict()
      .optional(),
  })
  .strict()
  .meta({ description: 'Requests the key may make: `remaining` now, refilled to `amount` each UTC `interval`. Setting them starts a fresh count.' });

const AppCheckInput = z
  .object({
    appIds: list(20, 100, (id) => APP_ID_PATTERN.test(id)).min(1, { error: 'must list at least one Firebase app id (1:<project number>:<platform>:<hex>).' }),
    consume: z.boolean({ error: 'must be true or false.' }).optional(),
  })
  .strict();

/** A team's id (16 letters and digits). */
const TeamIdInput = z.string({ error: 'must be a team id (16 letters and digits).' }).regex(TEAM_ID_PATTERN, { error: 'must be a team id (16 letters and digits).' });

export const KeyCreateBody = z
  .object({
    name: text(100, { pattern: NAME_PATTERN }),
    type: KeyTypeInput.optional(),
    scopes: Scopes.optional(),
    expiresAt: isoDate().optional(),
    allowedOrigins: Origins.optional(),
    allowedIps: Ips.optional(),
    appCheck: AppCheckInput.nullable().optional(),
    metadata: Metadata.optional(),
    limits: LimitsInput.nullable().optional(),
    credits: CreditsInput.nullable().optional(),
    team: TeamIdInput.optional().meta({ description: "Make a team key: owned by this team, acting with the team's grants." }),
  })
  .strict()
  .superRefine((body, ctx) => {
    const type = body.type ?? 'server';
    if (type === 'web' && !body.allowedOrigins?.length) ctx.addIssue({ code: 'custom', path: ['allowedOrigins'], message: 'A web key needs at least one allowed origin.' });
    if (type === 'server' && body.appCheck) ctx.addIssue({ code: 'custom', path: ['appCheck'], message: 'App Check applies to web and mobile keys only.' });
  })
  .meta({ id: 'KeyCreate', example: { name: 'reports job', type: 'server', scopes: ['reports:read'] } });

const PATCHABLE = ['name', 'scopes', 'expiresAt', 'allowedOrigins', 'allowedIps', 'metadata', 'disabled', 'limits', 'credits'] as const;
export const KeyPatchBody = z
  .object({
    name: text(100, { pattern: NAME_PATTERN }).optional(),
    scopes: Scopes.nullable().optional(),
    expiresAt: isoDate().optional(),
    allowedOrigins: Origins.optional(),
    allowedIps: Ips.optional(),
    metadata: Metadata.optional(),
    disabled: z.boolean({ error: 'must be true or false.' }).optional(),
    limits: LimitsInput.nullable().optional(),
    credits: CreditsInput.nullable().optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { error: `Nothing to change: send one or more of ${PATCHABLE.join(', ')}.` })
  .meta({ id: 'KeyPatch', description: 'Never widens what the key may do: scopes only narrow, expiry only comes sooner, origins and address ranges only shrink.' });

export const RegenerateBody = z
  .object({ gracePeriod: count(0, MAX_GRACE_SECONDS).optional().meta({ description: 'Seconds the replaced secret keeps working (0, the default: it stops at once).' }) })
  .strict()
  .meta({ id: 'Regenerate' });

/** The lifetime's range is the configuration's (sessions/cookie.ts checks it). */
export const SessionBody = z
  .object({ idToken: text(MAX_ID_TOKEN_LENGTH), expiresIn: z.number({ error: 'must be a whole number of seconds.' }).int({ error: 'must be a whole number of seconds.' }).optional() })
  .strict()
  .meta({ id: 'SessionCreate' });

export const OwnerLimitsBody = z
  .object({ limits: LimitsInput.nullable().optional(), credits: CreditsInput.nullable().optional() })
  .strict()
  .refine((body) => body.limits !== undefined || body.credits !== undefined, { error: 'Send limits, credits or both (null removes them).' })
  .meta({ id: 'OwnerLimitsPatch' });

/** A range's ends in order, when both are given; `from` is named. */
function ordered(range: { from?: string; to?: string }, ctx: z.RefinementCtx, time: 'optional' | 'required'): void {
  const [from, to] = [range.from, range.to].map((v) => (v === undefined ? undefined : parseIsoDate(v, { time })));
  if (from !== undefined && to !== undefined && from > to) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must not be after to.' });
}

/** `GET /v1/audit` (and `queryAuditLog`): every value allow-listed before it reaches the Logging filter. */
export const AuditQuery = {
  uid: Uid.optional(),
  event: z.enum(AUDIT_EVENTS, { error: `must be one of ${AUDIT_EVENTS.join(', ')}.` }).optional(),
  keyId: KeyIdInput.optional(),
  from: isoDate('required').optional(),
  to: isoDate('required').optional(),
  // A query string's digits, or a callable's number.
  pageSize: z
    .union([z.number(), z.string().regex(/^\d{1,4}$/)], { error: `must be a whole number from 1 to ${MAX_PAGE_SIZE}.` })
    .refine((v) => Number.isInteger(Number(v)) && Number(v) >= 1 && Number(v) <= MAX_PAGE_SIZE, { error: `must be a whole number from 1 to ${MAX_PAGE_SIZE}.` })
    .optional()
    .meta({ description: `1–${MAX_PAGE_SIZE}, default 50.` }),
  pageToken: text(2048, { pattern: PAGE_TOKEN, error: 'is not a page token this API returned.' }).optional(),
  kind: z.enum(['all', 'changes'], { error: 'must be all or changes.' }).optional(),
  team: TeamIdInput.optional().meta({ description: "A team's trail (its owners, admins and auditors, and project auditors)." }),
};
export const AuditQueryInput = z
  .object(AuditQuery)
  .strict()
  .superRefine((q, ctx) => ordered(q, ctx, 'required'));

/** `GET /v1/usage` (and `getUsage`): days, or date-times read as their UTC day. */
export const UsageQuery = { keyId: KeyIdInput.optional(), uid: Uid.optional(), team: TeamIdInput.optional(), from: isoDate().optional(), to: isoDate().optional() };
export const UsageQueryInput = z.object(UsageQuery).strict();

/** `GET /v1/audit/verify` and `/v1/audit/export`. */
export const RangeQuery = { from: isoDate('required').optional(), to: isoDate('required').optional() };
export const RangeQueryInput = z
  .object(RangeQuery)
  .strict()
  .superRefine((q, ctx) => ordered(q, ctx, 'required'));

export const TeamRole = z
  .enum(TEAM_ROLES, { error: `must be one of ${TEAM_ROLES.join(', ')}.` })
  .meta({ id: 'TeamRole', description: '`owner` (everything), `admin` (members below owner, every team key, limits), `developer` (team keys they create), `auditor` (reads).' });
const EMAIL = /^[^\s@\u0000-\u001f]{1,64}@[^\s@\u0000-\u001f]{1,255}$/;
const PERMISSION = /^[A-Za-z0-9_.:-]{1,64}$/;

export const TeamCreateBody = z.object({ name: text(100, { pattern: NAME_PATTERN }) }).strict().meta({ id: 'TeamCreate' });
export const TeamPatchBody = z
  .object({ name: text(100, { pattern: NAME_PATTERN }).optional(), revokeKeysOnLeave: z.boolean({ error: 'must be true or false.' }).optional() })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { error: 'Send name or revokeKeysOnLeave.' })
  .meta({ id: 'TeamPatch' });
export const MemberPatchBody = z.object({ role: TeamRole }).strict().meta({ id: 'TeamMemberPatch' });
export const InviteBody = z.object({ email: text(320, { pattern: EMAIL, error: 'must be an email address.' }), role: TeamRole }).strict().meta({ id: 'TeamInvite' });
export const AcceptBody = z.object({ token: text(100).meta({ description: 'The token from the mail link (`kwi_…`).' }) }).strict().meta({ id: 'InvitationAccept' });
export const GrantsBody = z
  .object({ permissions: list(50, 64, (p) => PERMISSION.test(p) && isGrantable(p)).meta({ description: 'Permission names ([A-Za-z0-9_.:-], up to 64 characters); not the roles `admin` or `auditor`: a team holds permissions only.' }) })
  .strict()
  .meta({ id: 'TeamGrants' });

/** `GET /v1/notifications/deliveries`: newest first, a page at a time. */
export const DeliveryQuery = {
  uid: Uid.optional().meta({ description: "Auditors: one user's deliveries." }),
  pageSize: z.string().regex(/^\d{1,3}$/, { error: 'must be a whole number from 1 to 100.' }).refine((v) => Number(v) >= 1 && Number(v) <= 100, { error: 'must be a whole number from 1 to 100.' }).optional().meta({ description: '1–100, default 50.' }),
  pageToken: z.string().regex(/^\d{1,15}$/, { error: 'is not a page token this log gave.' }).optional(),
};
export const DeliveryQueryInput = z.object(DeliveryQuery).strict();

/** `PUT /v1/notifications/webhook`: where notices go (checked further by notifications/webhooks.ts: https, a public host). */
export const WebhookBody = z.object({ url: text(2048).meta({ example: 'https://hooks.example.com/keyward' }) }).strict().meta({ id: 'WebhookSet' });

/** Every validated request, by the name contract/parse.ts knows it by. */
export const REQUESTS = {
  keyCreate: KeyCreateBody,
  keyPatch: KeyPatchBody,
  regenerate: RegenerateBody,
  session: SessionBody,
  ownerLimits: OwnerLimitsBody,
  auditQuery: AuditQueryInput,
  usageQuery: UsageQueryInput,
  range: RangeQueryInput,
  teamCreate: TeamCreateBody,
  teamPatch: TeamPatchBody,
  memberRole: MemberPatchBody,
  invite: InviteBody,
  accept: AcceptBody,
  grants: GrantsBody,
  deliveryQuery: DeliveryQueryInput,
  webhook: WebhookBody,
};
