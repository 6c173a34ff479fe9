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
  'GET /v1/keys': { summary: 'Your keys, newest first', tag: 'keys', security: INTERACTIVE, responses: ok('Your keys.', S.KeyList), errors: AUTH_ERRORS },
  'POST /v1/keys': {
    summary: 'Create a key (the key and its signing secret are shown this once)',
    tag: 'keys',
    security: INTERACTIVE,
    body: { schema: S.KeyCreateBody },
    responses: { 201: { description: 'The new key, with its secrets.', schema: S.CreatedKey } },
    errors: [...AUTH_ERRORS, 409, 415],
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
  'GET /v1/audit': { summary: 'The audit trail, newest first (yours; everyone’s for auditors)', tag: 'audit', security: ANY_GET, query: S.AuditQuery, responses: ok('A page of entries.', S.AuditPage), errors: AUTH_ERRORS },
  'GET /v1/audit/verify': { summary: 'Check a range against its hash chains and signed checkpoints (auditors)', tag: 'audit', security: ANY_GET, query: S.RangeQuery, responses: ok('The verification.', S.AuditVerification), errors: AUTH_ERRORS },
  'GET /v1/audit/export': { summary: 'A range as a file to verify offline (auditors)', tag: 'audit', security: ANY_GET, query: S.RangeQuery, responses: ok('The export.', S.AuditExport), errors: AUTH_ERRORS },
  'GET /v1/usage': { summary: 'Requests and refusals per day', tag: 'usage', security: ANY_GET, query: S.UsageQuery, responses: ok('The report.', S.UsageReport), errors: [...AUTH_ERRORS, 404] },
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
