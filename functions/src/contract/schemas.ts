/**
 * The shapes of Keyward's public contract, as zod schemas: what a caller sends and what it gets
 * back. The OpenAPI document (contract/openapi.ts) is generated from them with zod's own JSON
 * Schema output (draft 2020-12, the dialect of OpenAPI 3.1), and the integration tests check
 * every response they receive against that document, so the two cannot drift apart.
 *
 * Loaded only where it is needed (the OpenAPI route, validation): never at instance start.
 */
import { z } from 'zod';
import { TEAM_ID_PATTERN } from '../teams/record';
import { TeamRole } from './requests';

const iso = z.string().meta({ format: 'date-time', example: '2027-06-04T16:47:54.038Z' });
const isoOrNull = iso.nullable();
const KeyType = z.enum(['server', 'web', 'mobile']).meta({ id: 'KeyType', description: 'What the key is for: `server` (never from a browser), `web` (from its allowed origins), `mobile`.' });
const KeyId = z.string().regex(/^[A-Za-z0-9]{16}$/).meta({ description: 'The key id: public, 16 base62 characters.', example: '3hG7kQ2mZp9XcV1a' });
const Scopes = z.array(z.string()).nullable().meta({ description: "Permission and role names the key may use; null: all of the owner's." });
const Claims = z.record(z.string(), z.unknown()).meta({ id: 'Claims', description: "The caller's custom claims as the request holds them (admin, auditor, permissions…)." });

export const ErrorBody = z
  .object({
    error: z
      .object({
        code: z.string().regex(/^[a-z_]+$/).meta({ example: 'invalid_request' }),
        message: z.string().meta({ example: 'name is required.' }),
        field: z.string().optional().meta({ description: 'For a malformed request: the JSON pointer of the field that was wrong.', example: '/name' }),
      })
      .strict(),
  })
  .strict()
  .meta({ id: 'Error', description: 'Every error of `/v1` and `/.well-known`: a code to branch on and a sentence for people; never a stack trace or a secret.' });

export const OAuthErrorBody = z
  .object({ error: z.string().regex(/^[a-z_]+$/), error_description: z.string() })
  .strict()
  .meta({ id: 'OAuthError', description: "`/oauth/*` errors, in OAuth's shape (RFC 6749 §5.2)." });

const Limits = z
  .object({ requestsPerMinute: z.number().int().optional(), requestsPerDay: z.number().int().optional() })
  .strict()
  .meta({ id: 'Limits' });
const Refill = z.object({ amount: z.number().int(), interval: z.enum(['day', 'month']) }).strict().meta({ id: 'Refill' });
const CreditsView = z
  .object({ remaining: z.number().int(), refill: Refill.optional(), nextRefillAt: isoOrNull.meta({ description: 'When the credits next refill; null: never (set new ones).' }) })
  .strict()
  .meta({ id: 'Credits' });

export const KeyView = z
  .object({
    id: KeyId,
    name: z.string(),
    type: KeyType,
    status: z.enum(['active', 'disabled', 'expired', 'revoked']),
    scopes: Scopes,
    allowedOrigins: z.array(z.string()),
    allowedIps: z.array(z.string()),
    appCheck: z.object({ appIds: z.array(z.string()), consume: z.boolean() }).strict().nullable(),
    createdAt: iso,
    expiresAt: iso,
    revokedAt: isoOrNull,
    regeneratedAt: isoOrNull,
    previousSecretValidUntil: isoOrNull.meta({ description: 'When the last earlier secret still in its grace period stops working.' }),
    lastUsedAt: isoOrNull,
    disabledAt: isoOrNull,
    metadata: z.record(z.string(), z.unknown()).nullable(),
    limits: Limits.nullable(),
    credits: CreditsView.nullable(),
    team: z.string().optional().meta({ description: 'Team keys only: the id of the team that owns the key.' }),
    createdBy: z.string().nullable().optional().meta({ description: 'Team keys only: the uid of the member who created it.' }),
  })
  .strict()
  .meta({ id: 'Key', description: 'A key as the API shows it: metadata and status, never a secret or a digest.' });

const Secrets = {
  key: z.string().meta({ description: 'The API key, shown this once.', example: 'server_3hG7kQ2mZp9XcV1a_<38 characters>' }),
  signingSecret: z.string().meta({ description: 'The signing secret for signed requests, shown this once.' }),
};
export const CreatedKey = KeyView.extend(Secrets).strict().meta({ id: 'CreatedKey' });
export const KeyList = z.object({ keys: z.array(KeyView) }).strict().meta({ id: 'KeyList' });
/** An admin regenerating another user's key gets the view only. */
export const RegeneratedKey = KeyView.extend({ key: Secrets.key.optional(), signingSecret: Secrets.signingSecret.optional() }).strict().meta({ id: 'RegeneratedKey' });

const RateLimit = z.object({ limit: z.number().int(), remaining: z.number().int(), resetSeconds: z.number().int() }).strict();
/** `Me.usage`: the key's allowance left (identity.ts `AllowanceLeft`); `KeyUsage` is its published name. */
const AllowanceLeft = z
  .object({ rateLimit: RateLimit, credits: z.object({ remaining: z.number().int(), nextRefillAt: isoOrNull }).strict().optional() })
  .strict()
  .meta({ id: 'KeyUsage', description: 'What a key has left: its tightest rate limit, and its credits.' });
export const OwnerLimitsView = z
  .object({ limits: Limits.nullable(), credits: CreditsView.nullable(), updatedAt: isoOrNull })
  .strict()
  .meta({ id: 'OwnerLimits', description: "A person's own limits and credits, shared by all their keys." });

export const Me = z
  .object({
    uid: z.string(),
    email: z.string().optional(),
    claims: Claims,
    auth: z
      .object({
        method: z.enum(['session', 'id_token', 'api_key', 'access_token', 'signature']),
        keyId: KeyId.optional(),
        keyType: KeyType.optional(),
        scopes: z.array(z.string()).optional(),
        actor: z.string().optional().meta({ description: 'The key owner, when On-Behalf-Of was used.' }),
      })
      .strict(),
    usage: AllowanceLeft.optional(),
    limits: OwnerLimitsView.optional(),
    team: z.object({ id: z.string(), name: z.string() }).strict().optional().meta({ description: 'A team key: the team it acts for (`uid` is then `team:<id>`).' }),
  })
  .strict()
  .meta({ id: 'Me' });

// ---- teams ------------------------------------------------------------------------------------

const TeamId = z.string().regex(TEAM_ID_PATTERN).meta({ description: 'The team id: 16 base62 characters.' });
export const TeamView = z
  .object({
    id: TeamId,
    name: z.string(),
    role: TeamRole.optional().meta({ description: "The caller's role in the team (a project admin acts as an owner, a project auditor as an auditor)." }),
    revokeKeysOnLeave: z.boolean().meta({ description: 'Revoke the keys a member created when they leave or are removed (otherwise the keys stay).' }),
    grants: z.array(z.string()).meta({ description: "What the team's keys may do (permissions), set by a project admin." }),
    createdAt: iso,
  })
  .strict()
  .meta({ id: 'Team' });
export const TeamList = z.object({ teams: z.array(TeamView) }).strict().meta({ id: 'TeamList' });
export const TeamDeleted = z.object({ id: TeamId, deletedAt: iso, revokedKeys: z.array(KeyId) }).strict().meta({ id: 'TeamDeleted' });
export const MemberView = z.object({ uid: z.string(), email: z.string().nullable(), role: TeamRole, addedAt: iso }).strict().meta({ id: 'TeamMember' });
export const MemberList = z.object({ members: z.array(MemberView) }).strict().meta({ id: 'TeamMemberList' });
export const MemberRemoved = z.object({ uid: z.string(), removed: z.literal(true), revokedKeys: z.array(KeyId) }).strict().meta({ id: 'TeamMemberRemoved' });
const KeyRef = z.object({ id: KeyId, name: z.string() }).strict();
export const Departure = z
  .object({ uid: z.string(), revokeKeysOnLeave: z.boolean(), keys: z.array(KeyRef).meta({ description: 'The live team keys the member created.' }), revokes: z.array(KeyRef).meta({ description: 'Those a removal would revoke (none unless revokeKeysOnLeave).' }) })
  .strict()
  .meta({ id: 'TeamDeparture', description: 'What removing the member would do to team keys, before it is done.' });
export const InvitationView = z
  .object({
    id: z.string(),
    teamId: TeamId,
    email: z.string(),
    role: TeamRole,
    status: z.enum(['pending', 'accepted', 'withdrawn', 'expired']),
    createdAt: iso,
    expiresAt: iso,
    acceptedAt: isoOrNull,
    withdrawnAt: isoOrNull,
  })
  .strict()
  .meta({ id: 'TeamInvitation', description: 'An invitation; its token is only ever in the mail.' });
export const InvitationList = z.object({ invitations: z.array(InvitationView) }).strict().meta({ id: 'TeamInvitationList' });
export const Accepted = z.object({ team: z.object({ id: TeamId, name: z.string(), role: TeamRole }).strict() }).strict().meta({ id: 'InvitationAccepted' });
export const KeyListQuery = { team: z.string().optional().meta({ description: "A team's keys instead of yours (every member reads them)." }) };

const Jwk = z.object({ kty: z.string(), kid: z.string() }).passthrough();
export const Jwks = z.object({ keys: z.array(Jwk) }).strict().meta({ id: 'JWKS' });

export const Discovery = z
  .object({ issuer: z.string(), jwks_uri: z.string(), token_endpoint: z.string(), introspection_endpoint: z.string() })
  .passthrough()
  .meta({ id: 'ServerMetadata', description: 'OpenID Connect Discovery 1.0 / RFC 8414 metadata.' });

const AuditEntry = z
  .object({ timestamp: iso, severity: z.string(), event: z.string(), outcome: z.string(), actor: z.record(z.string(), z.unknown()), target: z.record(z.string(), z.unknown()).optional(), request: z.record(z.string(), z.unknown()).optional() })
  .passthrough()
  .meta({ id: 'AuditEntry' });
export const AuditPage = z
  .object({ entries: z.array(AuditEntry), nextPageToken: z.string().nullable(), users: z.record(z.string(), z.string()).optional() })
  .strict()
  .meta({ id: 'AuditPage' });
export const AuditVerification = z
  .object({ ok: z.boolean(), entries: z.number().int(), chains: z.number().int(), checkpoints: z.number().int(), pending: z.number().int().optional(), problems: z.array(z.record(z.string(), z.unknown())) })
  .passthrough()
  .meta({ id: 'AuditVerification' });
export const AuditExport = z.record(z.string(), z.unknown()).meta({ id: 'AuditExport', description: 'The range as a file to verify offline (`keyward-audit-export/1`).' });

const Counts = z.object({ requests: z.number().int(), failures: z.number().int() }).passthrough();
export const UsageReport = z
  .object({ from: z.string(), to: z.string(), uid: z.string(), keyId: z.string().nullable(), totals: Counts, days: z.array(Counts), keys: z.array(Counts) })
  .passthrough()
  .meta({ id: 'UsageReport' });

export const Webhook = z
  .object({
    url: z.string(),
    updatedAt: iso,
    disabledAt: iso.optional().meta({ description: 'Set when Keyward disabled the endpoint (a 410, or failing for 5 days); set the webhook again to enable it.' }),
    disabledReason: z.string().optional(),
  })
  .strict()
  .meta({ id: 'Webhook' });
const DeliveryAttempt = z
  .object({
    at: iso,
    status: z.number().int().optional().meta({ description: "The receiver's HTTP status (its answer body is never read)." }),
    error: z.string().optional().meta({ description: 'Why there was no answer: `no answer`, `address refused`, `no webhook`, `webhook disabled`, `secret unavailable`.' }),
    durationMs: z.number().int(),
  })
  .strict()
  .meta({ id: 'DeliveryAttempt' });
export const Delivery = z
  .object({
    id: z.string().meta({ description: 'The `webhook-id` of every attempt.', example: 'msg_2fQe9yY3b1Jv0y7yq0c3a2b1c0d' }),
    ownerUid: z.string(),
    event: z.enum(['key.leak', 'key.expiring', 'key.revoked', 'key.limit']),
    keyId: z.string(),
    endpoint: z.string().meta({ description: "The webhook's scheme and host when the delivery was made." }),
    state: z.enum(['pending', 'delivered', 'failed', 'disabled']),
    createdAt: iso,
    nextRetryAt: iso.nullable(),
    attempts: z.array(DeliveryAttempt),
  })
  .strict()
  .meta({ id: 'Delivery' });
export const DeliveryPage = z.object({ deliveries: z.array(Delivery), nextPageToken: z.string().nullable() }).strict().meta({ id: 'DeliveryPage' });
export const WebhookCreated = Webhook.extend({ secret: z.string().meta({ description: 'The signing secret of deliveries, shown this once.' }) }).strict().meta({ id: 'WebhookCreated' });

export const Session = z.object({ uid: z.string(), expiresAt: iso }).strict().meta({ id: 'Session' });
export const IssuedToken = z.object({ token: z.string(), expires_at: z.number().int() }).strict().meta({ id: 'IssuedToken' });
export const OAuthToken = z
  .object({ access_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number().int(), scope: z.string().optional() })
  .strict()
  .meta({ id: 'OAuthTokenResponse' });
export const Introspection = z
  .union([
    z.object({ active: z.literal(false) }).strict(),
    z
      .object({
        active: z.literal(true),
        scope: z.string(),
        client_id: z.string(),
        token_type: z.literal('Bearer'),
        sub: z.string(),
        iss: z.string(),
        aud: z.union([z.string(), z.array(z.string())]),
        exp: z.number().int(),
        iat: z.number().int(),
        nbf: z.number().int().optional(),
        jti: z.string(),
        key_type: KeyType,
      })
      .strict(),
  ])
  .meta({ id: 'Introspection', description: "RFC 7662's answer: `{active: false}` and nothing else, or what an active token may do now." });
export const ScanFeedback = z
  .array(z.object({ token_hash: z.string(), token_type: z.string(), label: z.enum(['true_positive', 'false_positive']) }).strict())
  .meta({ id: 'SecretScanningFeedback' });
export const Health = z.object({ status: z.literal('ok') }).strict();
export const OpenApiDocument = z.object({ openapi: z.string() }).passthrough();

// ---- requests ---------------------------------------------------------------------------------

// Bodies and queries that Keyward validates by their schema live in contract/requests.ts; the rest
// are documented here and read by hand on purpose: the raw signed parameters of a token request,
// GitHub's signed report, and OAuth's forms (their errors are OAuth's, not the contract's).
export { AcceptBody, AuditQuery, DeliveryQuery, GrantsBody, InviteBody, KeyCreateBody, KeyPatchBody, MemberPatchBody, OwnerLimitsBody, RangeQuery, RegenerateBody, SessionBody, TeamCreateBody, TeamPatchBody, UsageQuery, WebhookBody } from './requests';

export const IssueBody = z
  .object({
    api_key: z.string().optional(),
    key_id: z.string().optional(),
    nonce: z.string().optional(),
    timestamp: z.union([z.string(), z.number().int()]).optional(),
    signature: z.string().optional(),
    expires_in: z.union([z.string(), z.number().int()]).optional(),
    scope: z.string().optional(),
  })
  .strict()
  .meta({ id: 'TokenRequest', description: '`{api_key}`, or a signed token request `{key_id, nonce, timestamp, signature}`; either may add `expires_in` and `scope`.' });
export const ScanReport = z
  .array(z.object({ token: z.string(), type: z.string(), url: z.string().optional(), source: z.string().optional() }).passthrough())
  .meta({ id: 'SecretScanningReport', description: "GitHub's report, signed over its raw bytes (`Github-Public-Key-Identifier`, `Github-Public-Key-Signature`)." });
export const TokenForm = z
  .object({ grant_type: z.literal('client_credentials'), scope: z.string().optional(), client_id: z.string().optional(), client_secret: z.string().optional() })
  .meta({ id: 'ClientCredentialsGrant' });
export const IntrospectForm = z.object({ token: z.string(), token_type_hint: z.string().optional(), client_id: z.string().optional(), client_secret: z.string().optional() }).meta({ id: 'IntrospectionRequest' });

export const SignOutQuery = { all: z.enum(['true', 'false']).optional() };
