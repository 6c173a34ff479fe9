/**
 * Every operation of the public API: who may call it, what it takes, what it answers. Keyed like
 * the route registry (http/endpoint.ts) that the security battery walks, and checked against it
 * when the document is built (contract/openapi.ts), so no route can be left out.
 */
import type { ZodType } from 'zod';
import * as S from './schemas';

/** Credential forms, as OpenAPI security schemes (contract/openapi.ts describes each). */
export type Scheme = 'sessionCookie' | 'bearer' | 'apiKeyHeader' | 'apiKeyAuthorization' | 'signedRequest' | 'accessTokenQuery' | 'oauthClient' | 'githubSignature';

const INTERACTIVE: Scheme[] = ['sessionCookie', 'bearer'];
const ANY: Scheme[] = ['sessionCookie', 'bearer', 'apiKeyHeader', 'apiKeyAuthorization', 'signedRequest'];
const ANY_GET: Scheme[] = [...ANY, 'accessTokenQuery'];
const KEY_SELF: Scheme[] = ANY;

/** What each group of operations is for (the document's tags). */
export const TAGS = {
  health: 'Whether Keyward answers.',
  me: 'The caller, and their own limits.',
  keys: 'API keys: created, read, changed, regenerated and revoked with an interactive credential (a key may read and revoke itself).',
  sessions: 'Browser sessions: an ID token traded for an HttpOnly cookie, and sign-out.',
  tokens: 'Short-lived access tokens minted from a key.',
  oauth: 'OAuth 2.0 client credentials and token introspection, for off-the-shelf clients and gateways.',
  audit: 'The audit trail in Cloud Logging, and its proof of completeness.',
  usage: 'Requests and refusals per key and day.',
  teams: 'Teams: keys owned by an organization, its members and their roles, invitations.',
  notifications: "The owner's notification webhook and its delivery log.",
  'secret scanning': "GitHub's reports of keys found in public code.",
  discovery: 'Public documents: JWKS, OpenID and OAuth metadata, this document.',
} as const;

export interface Operation {
  summary: string;
  tag: keyof typeof TAGS;
  /** Credential forms accepted; [] for public operations. */
  security: Scheme[];
  /** `optional`: works without a credential too. */
  optionalAuth?: boolean;
  query?: Record<string, ZodType>;
  /** JSON body; `form` on `/oauth/*`, `raw` for a third party's signed bytes. */
  body?: { schema: ZodType; kind?: 'json' | 'form' | 'raw' };
  /** Success answers: status → schema (undefined: no body). */
  responses: Record<number, { description: string; schema?: ZodType }>;
  /** Error statuses this operation can answer besides the ones every operation can (400, 413, 429, 500, 503). */
  errors: number[];
  /** Errors in OAuth's shape (RFC 6749 §5.2). */
  oauthErrors?: boolean;
  /** Cacheable by intermediaries (public documents). */
  cacheable?: boolean;
}

const ok = (description: string, schema?: ZodType) => ({ 200: { description, schema } });
const AUTH_ERRORS = [401, 403];

/** Teams (actions/teams.ts, actions/invitations.ts): reads take any credential of a member, changes an interactive one. */
function TEAM_OPERATIONS(): Record<string, Operation> {
  const team = (summary: string, extra: Partial<Operation> & Pick<Operation, 'responses'>): Operation => ({ summary, tag: 'teams', security: INTERACTIVE, errors: [...AUTH_ERRORS, 404], ...extra });
  const changes = (schema: ZodType, errors = [409, 415]) => ({ body: { schema }, errors: [...AUTH_ERRORS, 404, ...errors] });
  return {
    'GET /v1/teams': team('Your teams, with your role in each', { security: ANY_GET, responses: ok('Your teams.', S.TeamList), errors: AUTH_ERRORS }),
    'POST /v1/teams': team('Create a team (you are its owner)', { body: { schema: S.TeamCreateBody }, responses: { 201: { description: 'The team.', schema: S.TeamView } }, errors: [...AUTH_ERRORS, 415] }),
    'GET /v1/teams/:id': team('One of your teams', { security: ANY_GET, responses: ok('The team.', S.TeamView) }),
    'PATCH /v1/teams/:id': team('Rename a team, or set revokeKeysOnLeave (owners and admins)', { ...changes(S.TeamPatchBody), responses: ok('The team as changed.', S.TeamView) }),
    'DELETE /v1/teams/:id': team('Delete a team and revoke all its keys (owners)', { responses: ok('Deleted.', S.TeamDeleted), errors: [...AUTH_ERRORS, 404, 409] }),
    'GET /v1/teams/:id/members': team("A team's members", { security: ANY_GET, responses: ok('The members.', S.MemberList) }),
    'PATCH /v1/teams/:id/members/:uid': team("Change a member's role (the last owner cannot be demoted: 409)", { ...changes(S.MemberPatchBody), responses: ok('The member.', S.MemberView) }),
    'DELETE /v1/teams/:id/members/:uid': team('Remove a member, or leave (your own uid); the last owner stays (409)', { responses: ok('Removed.', S.MemberRemoved), errors: [...AUTH_ERRORS, 404, 409] }),
    'GET /v1/teams/:id/members/:uid/departure': team('What removing the member would do to team keys', { security: ANY_GET, responses: ok('The keys concerned.', S.Departure) }),
    'POST /v1/teams/:id/invitations': team('Invite an email address to a role no higher than yours (owners and admins)', { ...changes(S.InviteBody, [415]), responses: { 201: { description: 'The invitation (its token is only in the mail).', schema: S.InvitationView } } }),
    'GET /v1/teams/:id/invitations': team("A team's invitations (owners and admins)", { security: ANY_GET, responses: ok('The invitations.', S.InvitationList) }),
    'DELETE /v1/teams/:id/invitations/:invitationId': team('Withdraw an invitation', { responses: ok('The withdrawn invitation.', S.InvitationView), errors: [...AUTH_ERRORS, 404, 409] }),
    'POST /v1/invitations/accept': team('Accept an invitation (signed in with its verified email address)', { ...changes(S.AcceptBody), responses: ok('The team joined.', S.Accepted) }),
    'PUT /v1/teams/:id/grants': team("Set what the team's keys may do (project admins)", { ...changes(S.GrantsBody), responses: ok('The team.', S.TeamView) }),
    'GET /v1/teams/:id/limits': team("The team's limits and credits, shared by its keys", { security: ANY_GET, responses: ok('The limits.', S.OwnerLimitsView) }),
    'PATCH /v1/teams/:id/limits': team("Set the team's limits and credits (owners and admins)", { ...changes(S.OwnerLimitsBody, [415]), responses: ok('The limits as set.', S.OwnerLimitsView) }),
  };
}

export const OPERATIONS: Record<string, Operation> = {
  'GET /v1/health': { summary: 'Liveness', tag: 'health', security: [], responses: ok('Keyward answers.', S.Health), errors: [] },
  'GET /v1/me': { summary: 'Who the request acts for, and how it authenticated', tag: 'me', security: ANY_GET, responses: ok('The caller.', S.Me), errors: AUTH_ERRORS },
  'GET /v1/me/limits': { summary: 'Your own limits and credits, shared by all your keys', tag: 'me', security: ANY_GET, responses: ok('Your limits.', S.OwnerLimitsView), errors: AUTH_ERRORS },
  'PATCH /v1/me/limits': {
    summary: 'Set your own limits and credits',
    tag: 'me',
    security: INTERACTIVE,
    body: { schema: S.OwnerLimitsBody },
    responses: ok('Your limits as set.', S.OwnerLimitsView),
    errors: [...AUTH_ERRORS, 415],
  },
  'GET /v1/keys': { summary: "Your keys, or a team's (team=<id>), newest first", tag: 'keys', security: INTERACTIVE, query: S.KeyListQuery, responses: ok('The keys.', S.KeyList), errors: [...AUTH_ERRORS, 404] },
  'POST /v1/keys': {
    summary: 'Create a key (the key and its signing secret are shown this once)',
    tag: 'keys',
    security: INTERACTIVE,
    body: { schema: S.KeyCreateBody },
    responses: { 201: { description: 'The new key, with its secrets.', schema: S.CreatedKey } },
    errors: [...AUTH_ERRORS, 404, 409, 415],
  },
  'GET /v1/keys/:id': { summary: 'One key', tag: 'keys', security: KEY_SELF, responses: ok('The key.', S.KeyView), errors: [...AUTH_ERRORS, 404] },
  'PATCH /v1/keys/:id': {
    summary: 'Change a key, never widening what it may do; pause or resume it',
    tag: 'keys',
    security: INTERACTIVE,
    body: { schema: S.KeyPatchBody },
    responses: ok('The key as changed.', S.KeyView),
    errors: [...AUTH_ERRORS, 404, 409, 415],
  },
  'DELETE /v1/keys/:id': { summary: 'Revoke a key (idempotent)', tag: 'keys', security: KEY_SELF, responses: ok('The revoked key.', S.KeyView), errors: [...AUTH_ERRORS, 404] },
  'POST /v1/keys/:id/regenerate': {
    summary: 'A new secret for the same key id; the old one works until the grace period ends',
    tag: 'keys',
    security: INTERACTIVE,
    body: { schema: S.RegenerateBody },
    responses: ok('The key with its new secrets (none for an admin acting on another user’s key).', S.RegeneratedKey),
    errors: [...AUTH_ERRORS, 404, 409, 415],
  },
  'POST /v1/auth/session': {
    summary: 'Trade a recent Firebase ID token for a session cookie',
    tag: 'sessions',
    security: [],
    body: { schema: S.SessionBody },
    responses: ok('The session; the cookie is in Set-Cookie.', S.Session),
    errors: [401, 403, 415],
  },
  'DELETE /v1/auth/session': {
    summary: 'Sign out (this session, or every session with all=true)',
    tag: 'sessions',
    security: ['sessionCookie'],
    optionalAuth: true,
    query: S.SignOutQuery,
    responses: { 204: { description: 'Signed out; the cookie is cleared.' } },
    errors: [401, 403],
  },
  'POST /v1/auth/issue': {
    summary: 'Trade a key (or a signed token request) for a short-lived access token',
    tag: 'tokens',
    security: [],
    body: { schema: S.IssueBody },
    responses: ok('The access token.', S.IssuedToken),
    errors: [401, 403, 415],
  },
  'GET /.well-known/jwks.json': { summary: 'The public keys that verify access tokens', tag: 'discovery', security: [], responses: ok('JWKS.', S.Jwks), errors: [], cacheable: true },
  'GET /.well-known/audit-jwks.json': { summary: 'The public keys that verify audit checkpoints', tag: 'discovery', security: [], responses: ok('JWKS.', S.Jwks), errors: [], cacheable: true },
  'GET /.well-known/openid-configuration': { summary: 'OpenID Connect Discovery metadata', tag: 'discovery', security: [], responses: ok('Metadata.', S.Discovery), errors: [], cacheable: true },
  'GET /.well-known/oauth-authorization-server': { summary: 'RFC 8414 metadata', tag: 'discovery', security: [], responses: ok('Metadata.', S.Discovery), errors: [], cacheable: true },
  'GET /openapi.json': { summary: 'This document', tag: 'discovery', security: [], responses: ok('OpenAPI 3.1.', S.OpenApiDocument), errors: [], cacheable: true },
  'GET /v1/audit': { summary: 'The audit trail, newest first (yours; everyone’s for auditors; a team’s for its readers)', tag: 'audit', security: ANY_GET, query: S.AuditQuery, responses: ok('A page of entries.', S.AuditPage), errors: [...AUTH_ERRORS, 404] },
  'GET /v1/audit/verify': { summary: 'Check a range against its hash chains and signed checkpoints (auditors)', tag: 'audit', security: ANY_GET, query: S.RangeQuery, responses: ok('The verification.', S.AuditVerification), errors: AUTH_ERRORS },
  'GET /v1/audit/export': { summary: 'A range as a file to verify offline (auditors)', tag: 'audit', security: ANY_GET, query: S.RangeQuery, responses: ok('The export.', S.AuditExport), errors: AUTH_ERRORS },
  'GET /v1/usage': { summary: "Requests and refusals per day (yours, a key's, or a team's)", tag: 'usage', security: ANY_GET, query: S.UsageQuery, responses: ok('The report.', S.UsageReport), errors: [...AUTH_ERRORS, 404] },
  ...TEAM_OPERATIONS(),
  'GET /v1/notifications/webhook': { summary: 'Your notification webhook', tag: 'notifications', security: INTERACTIVE, responses: ok('The webhook.', S.Webhook), errors: [...AUTH_ERRORS, 404] },
  'PUT /v1/notifications/webhook': {
    summary: 'Set your notification webhook (its signing secret is shown this once)',
    tag: 'notifications',
    security: INTERACTIVE,
    body: { schema: S.WebhookBody },
    responses: ok('The webhook and its secret.', S.WebhookCreated),
    errors: [...AUTH_ERRORS, 415],
  },
  'GET /v1/notifications/deliveries': {
    summary: 'Webhook deliveries, newest first, with each attempt (yours; everyone’s for auditors)',
    tag: 'notifications',
    security: INTERACTIVE,
    query: S.DeliveryQuery,
    responses: ok('A page of deliveries.', S.DeliveryPage),
    errors: AUTH_ERRORS,
  },
  'POST /v1/notifications/deliveries/:id/retry': {
    summary: 'One more attempt of a failed or disabled delivery, now',
    tag: 'notifications',
    security: INTERACTIVE,
    responses: { 202: { description: 'The attempt is queued.', schema: S.Delivery } },
    errors: [...AUTH_ERRORS, 404, 409],
  },
  'DELETE /v1/notifications/webhook': { summary: 'Remove your notification webhook', tag: 'notifications', security: INTERACTIVE, responses: { 204: { description: 'Removed.' } }, errors: AUTH_ERRORS },
  'POST /v1/secret-scanning/github': {
    summary: "GitHub's secret-scanning reports",
    tag: 'secret scanning',
    security: ['githubSignature'],
    body: { schema: S.ScanReport, kind: 'raw' },
    responses: ok('Feedback for each reported token.', S.ScanFeedback),
    errors: [401],
  },
  'POST /oauth/token': {
    summary: 'OAuth 2.0 client-credentials grant (the key as the client)',
    tag: 'oauth',
    security: ['oauthClient'],
    body: { schema: S.TokenForm, kind: 'form' },
    responses: ok('The access token.', S.OAuthToken),
    errors: [401],
    oauthErrors: true,
  },
  'POST /oauth/introspect': {
    summary: 'RFC 7662 token introspection (a server key asks)',
    tag: 'oauth',
    security: ['oauthClient', 'apiKeyHeader', 'apiKeyAuthorization', 'signedRequest'],
    body: { schema: S.IntrospectForm, kind: 'form' },
    responses: ok('Whether the token is active, and what it may do.', S.Introspection),
    errors: [401],
    oauthErrors: true,
  },
};
