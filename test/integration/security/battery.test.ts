// The shared security battery: every endpoint the app registers (http/endpoint.ts keeps the list)
// runs the same checks. A new endpoint is not covered until it has a row in ENDPOINTS below, and
// the first test fails until it does: no endpoint can skip the battery.
//
// For each endpoint: no credential; each credential kind (an allowed one gets the endpoint's own
// answer, status and body, and changes exactly what the endpoint changes; the others are refused
// with their exact status and code and change nothing); another user's resource (404); a
// cross-site cookie request (403); malformed bodies (400/415). "Changes nothing" is the owner's
// state read through the API before and after, deep-equal. Never a 5xx, every error in the
// contract's shape; on `/oauth/*`, in OAuth's (`{"error", "error_description"}`, RFC 6749 §5.2),
// where our own credentials are not clients.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { signRequest } from '../../../client/src';
import { buildApp } from '../../../functions/src/app';
import type { RegisteredRoute } from '../../../functions/src/http/endpoint';
import { adminAuth, adminDb } from '../../harness/admin';
import { createUser, type ApiResponse, type TestUser } from '../../harness/auth';
import { bearer, jsonHeaders, type CreatedKey } from '../../harness/keys';
import { sessionFor } from '../sessions/support';
import { issueToken } from '../tokens/support';
import { appWithAudit, fetchAt } from './support';

type Kind = 'session' | 'id_token' | 'api_key' | 'access_token' | 'signature';
const ALL: Kind[] = ['session', 'id_token', 'api_key', 'access_token', 'signature'];
const INTERACTIVE: Kind[] = ['session', 'id_token'];

/** The owner's state as the API shows it: what a request of the battery could change. */
interface Snapshot {
  keys: Record<string, unknown>[];
  limits: unknown;
  webhook: { status: number; body: unknown };
  /** Whether the battery's shared session cookie still signs the owner in. */
  session?: number;
  /** The owner's teams (`GET /v1/teams`). */
  teams: Record<string, unknown>[];
}

/** One request of the battery, for an endpoint's expectations. */
interface Call {
  kind?: Kind;
  /** The key the path names: a fresh one of the owner's. */
  key?: CreatedKey;
  /** The team the path names (a fresh one of the owner's for changes), and its invitation. */
  team?: string;
  invitation?: string;
  /** The body sent, parsed. */
  sent?: any;
  headers: Record<string, string>;
  res: ApiResponse;
  before: Snapshot;
}

interface EndpointRules {
  /**
   * `pipeline`: authenticated by the pipeline; `body`: the credential is in the body; `none`: public;
   * `optional`: works without one; `webhook`: a third party's signature over the raw body, checked first (401 without it);
   * `oauth`: an OAuth client (a key's client credentials), or for `kinds` the pipeline's credential; anything else 401 `invalid_client`.
   */
  auth: 'pipeline' | 'body' | 'none' | 'optional' | 'webhook' | 'oauth';
  /** Credential kinds that get through (pipeline endpoints). */
  kinds?: Kind[];
  /** A body that is valid for the endpoint (JSON, with the credential on `body` endpoints; a form on `oauth` endpoints). */
  body?: () => Record<string, unknown> | URLSearchParams;
  /** The `:id` is a key: another user's answers 404. */
  ownsKey?: boolean;
  /** The `:id` is a team: another team's answers 404. */
  ownsTeam?: boolean;
  /** A request ends the credential it carries (sign-out): use a fresh one each time. */
  consumes?: boolean;
  /** A cookie never authenticates here: sent along, it is a second credential (400). */
  cookieless?: boolean;
  /** Makes what the request acts on, before the state is read (a webhook to read or delete). */
  setup?: () => Promise<unknown>;
  /** The answer to a request that gets through: exact status, and the body (matchers only for what the server chooses). */
  ok?: (c: Call) => Outcome | Promise<Outcome>;
  /** The state after a request that got through; unchanged when absent. May check more (the new key works). */
  changed?: (before: Snapshot, c: Call) => Snapshot | Promise<Snapshot>;
  /** `body` endpoints: a header credential sent along with the body's is refused with this; when absent, ignored (the body's decides). */
  refused?: [number, string];
}

interface Outcome {
  status: number;
  body: unknown;
}

const ISO = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
const JWT = expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/);
const JWK = { kty: 'EC', crv: 'P-256', x: expect.stringMatching(/^[\w-]{43}$/), y: expect.stringMatching(/^[\w-]{43}$/), kid: expect.stringMatching(/^v\d+$/), alg: 'ES256', use: 'sig' };
const keyString = (id: string) => expect.stringMatching(new RegExp(`^server_${id}_[A-Za-z0-9]{38}$`));
const signingSecretOf = (id: string) => expect.stringMatching(new RegExp(`^kws_${id}_[A-Za-z0-9]{49}$`));
/** A key as the API shows it after creation: the create answer without its secrets. */
const viewOf = ({ key: _key, signingSecret: _secret, ...view }: Record<string, unknown>) => view;
/** The keys with one replaced by its new view, in place. */
const replaced = (keys: Record<string, unknown>[], view: Record<string, unknown>) => keys.map((k) => (k.id === view.id ? view : k));
const WEBHOOK = 'https://hooks.example.com/keyward';
const OPENAPI = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'docs', 'openapi.json'), 'utf8')) as Record<string, unknown>;
const AUDITORS_ONLY = { status: 403, body: { error: { code: 'forbidden', message: expect.any(String) } } };
const NO_WEBHOOK = { status: 404, body: { error: { code: 'not_found', message: 'No webhook is set.' } } };
const cleared = '__session=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict';

let app: Awaited<ReturnType<typeof appWithAudit>>;
let routes: readonly RegisteredRoute[];
let owner: TestUser;
let stranger: TestUser;
let ownerKey: CreatedKey;
let strangerKey: CreatedKey;
let cookie: string;
let token: string;
/** The owner's keys the battery made, and those it used as a credential (their lastUsedAt moves with every request). */
const made = new Set<string>();
const used = new Set<string>();
let limitsSet = 0;
/** The owner's team for reads, a stranger's team, and invitations of the owner into other teams (one per accept). */
let ownerTeam: string;
let strangerTeam: string;
const acceptTokens: { token: string; team: string }[] = [];
let acceptsDone = 0;
const INVITEE = 'invitee@example.com';
const ID16 = expect.stringMatching(/^[A-Za-z0-9]{16}$/);
const FORBIDDEN = { status: 403, body: { error: { code: 'forbidden', message: expect.any(String) } } };
const ownerMember = () => ({ uid: owner.uid, email: owner.email, role: 'owner', addedAt: ISO });
const teamIn = (before: Snapshot, id?: string) => before.teams.find((t) => t.id === id);
const invitationView = (team: string | undefined, status: string) => ({ id: ID16, teamId: team, email: INVITEE, role: 'developer', status, createdAt: ISO, expiresAt: ISO, acceptedAt: null, withdrawnAt: status === 'withdrawn' ? ISO : null });

const config = () => app.services.config;
const discovery = () => {
  const site = config().publicUrl ?? config().tokens.issuer;
  return {
    issuer: config().tokens.issuer,
    jwks_uri: `${site}/.well-known/jwks.json`,
    token_endpoint: `${site}/oauth/token`,
    introspection_endpoint: `${site}/oauth/introspect`,
    grant_types_supported: ['client_credentials'],
    response_types_supported: [],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES256'],
  };
};
/** What a server key has left this minute (its type's limit; the owner's per-day limit is far above it). */
const usage = () => ({ rateLimit: { limit: config().rateLimits.server.callsPerMinute, remaining: expect.any(Number), resetSeconds: expect.any(Number) } });

/** `GET /v1/me` for the owner, by kind. */
function meOf(kind: Kind, before: Snapshot) {
  if (INTERACTIVE.includes(kind)) return { uid: owner.uid, email: owner.email, claims: {}, auth: { method: kind }, limits: before.limits };
  return { uid: owner.uid, claims: {}, auth: { method: kind, keyId: ownerKey.id, keyType: 'server' }, usage: usage() };
}

/** RFC 7662's answer for the battery's access token: the owner's, of the owner's key; its times and id the token's own. */
function introspected(t: string) {
  const { exp, iat, nbf, jti } = decodeJwt(t);
  const { issuer: iss, audience: aud } = config().tokens;
  return { active: true, scope: '', client_id: ownerKey.id, token_type: 'Bearer', sub: owner.uid, iss, aud, exp, iat, nbf, jti, key_type: 'server' };
}

/**
 * The owner's report of the last 30 days: each day once, in order; a line for each key that made
 * requests, which are the keys the battery used; the totals are the sums of the days and of the keys.
 */
function usageReport(body: { days?: Count[]; keys?: (Count & { keyId: string })[] }) {
  const day = (ago: number) => new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);
  const count = (c?: Count) => ({ requests: c?.requests, failures: c?.failures });
  const days = Array.from({ length: 30 }, (_, i) => ({ day: day(29 - i), ...count(body.days?.[i]) }));
  const keys = [...used].sort().map((keyId) => ({ keyId, ...count(body.keys?.find((k) => k.keyId === keyId)) }));
  for (const c of [...days, ...keys]) expect([c, Number.isInteger(c.requests), Number.isInteger(c.failures)]).toEqual([c, true, true]);
  const sum = (lines: Partial<Count>[]) => ({ requests: lines.reduce((n, c) => n + c.requests!, 0), failures: lines.reduce((n, c) => n + c.failures!, 0) });
  expect([sum(keys), body.keys?.length]).toEqual([sum(days), keys.length]);
  return { from: day(29), to: day(0), uid: owner.uid, keyId: null, totals: sum(days), days, keys: expect.arrayContaining(keys) };
}
interface Count {
  requests: number;
  failures: number;
}

/** A key the battery received works as the owner's credential at once. */
async function authenticates(key: string): Promise<void> {
  const res = await fetchAt(`${app.url}/v1/me`, { headers: { 'x-api-key': key } });
  used.add(key.split('_')[1]!);
  expect([res.status, res.json.uid]).toEqual([200, owner.uid]);
}

const putWebhook = async () => {
  const res = await fetchAt(`${app.url}/v1/notifications/webhook`, { method: 'PUT', headers: jsonHeaders(owner.idToken), body: JSON.stringify({ url: WEBHOOK }) });
  if (res.status !== 200) throw new Error(`set webhook: ${res.status} ${res.text}`);
};

const ENDPOINTS: Record<string, EndpointRules> = {
  'GET /v1/health': { auth: 'none', ok: () => ({ status: 200, body: { status: 'ok' } }) },
  'GET /.well-known/jwks.json': {
    auth: 'none',
    // Every published key in a JWK's public shape, the one that signed the battery's token among them.
    ok: ({ res }) => {
      const keys: { kid: string }[] = res.json?.keys ?? [];
      expect(keys.map((k) => k.kid)).toContain(decodeProtectedHeader(token).kid);
      return { status: 200, body: { keys: keys.map(() => JWK) } };
    },
  },
  'GET /v1/me': { auth: 'pipeline', kinds: ALL, ok: ({ kind, before }) => ({ status: 200, body: meOf(kind!, before) }) },
  'GET /v1/audit': {
    auth: 'pipeline',
    kinds: ALL,
    // The owner's trail, newest first: only entries the owner is the actor or target of, their own email only.
    ok: ({ res }) => {
      const entries: { timestamp: string; actor: { uid?: string }; target: { uid?: string } }[] = res.json?.entries ?? [];
      const times = entries.map((e) => e.timestamp);
      expect([entries.length > 0, times]).toEqual([true, [...times].sort().reverse()]);
      expect(entries.map((e) => e.actor.uid === owner.uid || e.target.uid === owner.uid)).toEqual(entries.map(() => true));
      return { status: 200, body: { entries: entries.map(() => expect.any(Object)), nextPageToken: null, users: { [owner.uid]: owner.email } } };
    },
  },
  // Auditors only: the battery's owner is not one, so every kind that gets through is refused by the endpoint itself.
  'GET /v1/audit/verify': { auth: 'pipeline', kinds: ALL, ok: () => AUDITORS_ONLY },
  'GET /v1/audit/export': { auth: 'pipeline', kinds: ALL, ok: () => AUDITORS_ONLY },
  'GET /.well-known/audit-jwks.json': {
    auth: 'none',
    ok: ({ res }) => {
      const keys: unknown[] = res.json?.keys ?? [];
      expect(keys.length).toBeGreaterThanOrEqual(1);
      return { status: 200, body: { keys: keys.map(() => JWK) } };
    },
  },
  'GET /v1/keys': {
    auth: 'pipeline',
    kinds: INTERACTIVE,
    ok: ({ before }) => ({ status: 200, body: { keys: before.keys.map((k) => (used.has(k.id as string) ? { ...k, lastUsedAt: ISO } : k)) } }),
  },
  'POST /v1/keys': {
    auth: 'pipeline',
    kinds: INTERACTIVE,
    body: () => ({ name: 'battery' }),
    ok: ({ res }) => {
      const id = String(res.json?.id);
      return {
        status: 201,
        body: {
          ...freshView(id, res.json?.createdAt),
          id: expect.stringMatching(/^[A-Za-z0-9]{16}$/),
          key: keyString(id),
          signingSecret: signingSecretOf(id),
        },
      };
    },
    // Newest first, and the key works.
    changed: async (before, { res }) => {
      made.add(res.json.id);
      await authenticates(res.json.key);
      return { ...before, keys: [unused(viewOf(res.json)), ...before.keys] };
    },
  },
  'GET /v1/keys/:id': { auth: 'pipeline', kinds: INTERACTIVE, ownsKey: true, ok: ({ key }) => ({ status: 200, body: viewOf(key!) }) },
  'DELETE /v1/keys/:id': {
    auth: 'pipeline',
    kinds: INTERACTIVE,
    ownsKey: true,
    ok: ({ key }) => ({ status: 200, body: { ...viewOf(key!), status: 'revoked', revokedAt: ISO } }),
    changed: (before, { res }) => ({ ...before, keys: replaced(before.keys, res.json) }),
  },
  'POST /v1/keys/:id/regenerate': {
    auth: 'pipeline',
    kinds: INTERACTIVE,
    ownsKey: true,
    body: () => ({}),
    // No grace period asked: the old secret ends now.
    ok: ({ key }) => ({ status: 200, body: { ...viewOf(key!), regeneratedAt: ISO, previousSecretValidUntil: null, key: keyString(key!.id), signingSecret: signingSecretOf(key!.id) } }),
    changed: async (before, { res, key }) => {
      expect(res.json.key).not.toBe(key!.key);
      await authenticates(res.json.key);
      const old = await fetchAt(`${app.url}/v1/me`, { headers: { 'x-api-key': key!.key } });
      // No grace period: the old secret ended now, and is refused as replaced (keys/status.ts).
      expect([old.status, old.json.error.code]).toEqual([401, 'revoked_credential']);
      return { ...before, keys: replaced(before.keys, unused(viewOf(res.json))) };
    },
  },
  'POST /v1/auth/session': {
    auth: 'body',
    body: () => ({ idToken: owner.idToken }),
    // A session of the default length: the cookie lives as long as it does.
    ok: ({ res }) => {
      const seconds = config().sessions.defaultExpiresIn;
      expect(res.headers.getSetCookie()).toEqual([expect.stringMatching(new RegExp(`^__session=[\\w.-]+; Max-Age=${seconds}; Path=/; HttpOnly; SameSite=Strict$`))]);
      const drift = Math.abs(Date.parse(res.json?.expiresAt) - (Date.now() + seconds * 1000));
      expect([drift < 60_000, drift]).toEqual([true, drift]);
      return { status: 200, body: { uid: owner.uid, expiresAt: ISO } };
    },
    // Signing in again over a session, or with a key or token at hand, is a sign-in: the body's ID token decides.
  },
  'DELETE /v1/auth/session': {
    auth: 'optional',
    consumes: true,
    // Signing out always clears the cookie; a session cookie it carried is ended on the server.
    ok: async ({ res, kind, headers }) => {
      expect(res.headers.getSetCookie()).toEqual([cleared]);
      if (kind === 'session') {
        const after = await fetchAt(`${app.url}/v1/me`, { headers: { cookie: headers.cookie! } });
        expect([after.status, after.json.error.code]).toEqual([401, 'revoked_credential']);
      }
      return { status: 204, body: undefined };
    },
  },
  'POST /v1/auth/issue': {
    auth: 'body',
    cookieless: true,
    body: () => ({ api_key: ownerKey.key }),
    ok: ({ res }) => {
      const claims = decodeJwt(res.json.token);
      expect([claims.sub, claims.key_id, claims.exp]).toEqual([owner.uid, ownerKey.id, res.json.expires_at]);
      return { status: 200, body: { token: JWT, expires_at: (claims.iat ?? 0) + config().tokens.ttlSeconds.server } };
    },
    refused: [400, 'multiple_credentials'],
  },
  'GET /.well-known/openid-configuration': { auth: 'none', ok: () => ({ status: 200, body: discovery() }) },
  // The contract as a document (contract/openapi.ts): the committed one, for the server it answers on.
  'GET /openapi.json': { auth: 'none', ok: () => ({ status: 200, body: { ...OPENAPI, servers: [{ url: config().publicUrl ?? '/' }] } }) },
  'GET /.well-known/oauth-authorization-server': { auth: 'none', ok: () => ({ status: 200, body: discovery() }) },
  'GET /v1/usage': { auth: 'pipeline', kinds: INTERACTIVE, ok: ({ res }) => ({ status: 200, body: usageReport(res.json) }) },
  'PATCH /v1/keys/:id': {
    auth: 'pipeline',
    kinds: INTERACTIVE,
    ownsKey: true,
    body: () => ({ name: 'renamed' }),
    ok: ({ key }) => ({ status: 200, body: { ...viewOf(key!), name: 'renamed' } }),
    changed: (before, { res }) => ({ ...before, keys: replaced(before.keys, res.json) }),
  },
  'GET /v1/notifications/webhook': {
    auth: 'pipeline',
    kinds: INTERACTIVE,
    setup: putWebhook,
    ok: ({ before }) => ({ status: 200, body: before.webhook.body }),
  },
  'PUT /v1/notifications/webhook': {
    auth: 'pipeline',
    kinds: INTERACTIVE,
    body: () => ({ url: WEBHOOK }),
    ok: () => ({ status: 200, body: { url: WEBHOOK, updatedAt: ISO, secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/) } }),
    changed: (before, { res }) => ({ ...before, webhook: { status: 200, body: { url: WEBHOOK, updatedAt: res.json.updatedAt } } }),
  },
  'DELETE /v1/notifications/webhook': {
    auth: 'pipeline',
    kinds: INTERACTIVE,
    setup: putWebhook,
    ok: () => ({ status: 204, body: undefined }),
    changed: (before) => ({ ...before, webhook: NO_WEBHOOK }),
  },
  // The owner's deliveries only (the battery's revocations notify its webhook): never another user's.
  'GET /v1/notifications/deliveries': {
    auth: 'pipeline',
    kinds: INTERACTIVE,
    ok: ({ res }) => {
      const deliveries: { ownerUid: string }[] = res.json?.deliveries ?? [];
      expect(deliveries.filter((d) => d.ownerUid !== owner.uid)).toEqual([]);
      return { status: 200, body: { deliveries, nextPageToken: deliveries.length > 50 ? expect.any(String) : null } };
    },
  },
  // The battery fills `:id` with a key id, which names no delivery: the owner gets 404 and nothing changes.
  // A retry that goes out is test/integration/notifications/deliveries.test.ts's.
  'POST /v1/notifications/deliveries/:id/retry': {
    auth: 'pipeline',
    kinds: INTERACTIVE,
    ok: () => ({ status: 404, body: { error: { code: 'not_found', message: 'No such delivery.' } } }),
  },
  // GitHub's signature, not ours: its success is secret-scanning/github.test.ts's, with a fake GitHub.
  'POST /v1/secret-scanning/github': { auth: 'webhook' },
  'POST /oauth/token': {
    auth: 'oauth',
    kinds: [],
    body: () => new URLSearchParams({ grant_type: 'client_credentials' }),
    ok: () => ({ status: 200, body: { access_token: JWT, token_type: 'Bearer', expires_in: config().tokens.ttlSeconds.server } }),
  },
  // Introspection takes a server key, as client credentials or as any key credential of the pipeline.
  'POST /oauth/introspect': {
    auth: 'oauth',
    kinds: ['api_key', 'signature'],
    body: () => new URLSearchParams({ token }),
    ok: () => ({ status: 200, body: introspected(token) }),
  },
  'GET /v1/me/limits': { auth: 'pipeline', kinds: ALL, ok: ({ before }) => ({ status: 200, body: before.limits }) },
  // Teams: reads take any of a member's credentials (a personal key acts as its owner), changes an interactive one.
  'GET /v1/teams': { auth: 'pipeline', kinds: ALL, ok: ({ before }) => ({ status: 200, body: { teams: before.teams } }) },
  'POST /v1/teams': {
    auth: 'pipeline',
    kinds: INTERACTIVE,
    body: () => ({ name: 'battery team' }),
    ok: () => ({ status: 201, body: { id: ID16, name: 'battery team', role: 'owner', revokeKeysOnLeave: false, grants: [], createdAt: ISO } }),
    changed: (before, { res }) => ({ ...before, teams: [res.json, ...before.teams] }),
  },
  'GET /v1/teams/:id': { auth: 'pipeline', kinds: ALL, ownsTeam: true, ok: ({ before, team }) => ({ status: 200, body: teamIn(before, team) }) },
  'PATCH /v1/teams/:id': {
    auth: 'pipeline',
    kinds: INTERACTIVE,
    ownsTeam: true,
    body: () => ({ name: 'renamed team' }),
    ok: ({ before, team }) => ({ status: 200, body: { ...teamIn(before, team), name: 'renamed team' } }),
    changed: (before, { team }) => ({ ...before, teams: before.teams.map((t) => (t.id === team ? { ...t, name: 'renamed team' } : t)) }),
  },
  'DELETE /v1/teams/:id': {
    auth: 'pipeline',
    kinds: INTERACTIVE,
    ownsTeam: true,
    ok: ({ team }) => ({ status: 200, body: { id: team, deletedAt: ISO, revokedKeys: [] } }),
    changed: (before, { team }) => ({ ...before, teams: before.teams.filter((t) => t.id !== team) }),
  },
  'GET /v1/teams/:id/members': { auth: 'pipeline', kinds: ALL, ownsTeam: true, ok: () => ({ status: 200, body: { members: [ownerMember()] } }) },
  // The owner asks to stay owner: allowed, and nothing to change.
  'PATCH /v1/teams/:id/members/:uid': { auth: 'pipeline', kinds: INTERACTIVE, ownsTeam: true, body: () => ({ role: 'owner' }), ok: () => ({ status: 200, body: ownerMember() }) },
  // The battery's owner is the team's only owner: the last owner stays.
  'DELETE /v1/teams/:id/members/:uid': { auth: 'pipeline', kinds: INTERACTIVE, ownsTeam: true, ok: () => ({ status: 409, body: { error: { code: 'conflict', message: expect.any(String) } } }) },
  'GET /v1/teams/:id/members/:uid/departure': { auth: 'pipeline', kinds: ALL, ownsTeam: true, ok: () => ({ status: 200, body: { uid: owner.uid, revokeKeysOnLeave: false, keys: [], revokes: [] } }) },
  'POST /v1/teams/:id/invitations': {
    auth: 'pipeline',
    kinds: INTERACTIVE,
    ownsTeam: true,
    body: () => ({ email: INVITEE, role: 'developer' }),
    ok: ({ team }) => ({ status: 201, body: invitationView(team, 'pending') }),
  },
  'GET /v1/teams/:id/invitations': { auth: 'pipeline', kinds: ALL, ownsTeam: true, ok: () => ({ status: 200, body: { invitations: [] } }) },
  'DELETE /v1/teams/:id/invitations/:invitationId': {
    auth: 'pipeline',
    kinds: INTERACTIVE,
    ownsTeam: true,
    ok: ({ team, invitation }) => ({ status: 200, body: { ...invitationView(team, 'withdrawn'), id: invitation } }),
  },
  // The owner (verified email) accepts an invitation into another user's team: it joins the owner's teams.
  'POST /v1/invitations/accept': {
    auth: 'pipeline',
    kinds: INTERACTIVE,
    body: () => ({ token: acceptTokens[acceptsDone]!.token }),
    ok: () => ({ status: 200, body: { team: { id: acceptTokens[acceptsDone]!.team, name: 'host team', role: 'developer' } } }),
    changed: (before) => {
      const team = acceptTokens[acceptsDone++]!.team;
      return { ...before, teams: [{ id: team, name: 'host team', role: 'developer', revokeKeysOnLeave: false, grants: [], createdAt: ISO }, ...before.teams] };
    },
  },
  // Project admins only: the battery's owner is not one.
  'PUT /v1/teams/:id/grants': { auth: 'pipeline', kinds: INTERACTIVE, ownsTeam: true, body: () => ({ permissions: ['reports:read'] }), ok: () => FORBIDDEN },
  'GET /v1/teams/:id/limits': { auth: 'pipeline', kinds: ALL, ownsTeam: true, ok: () => ({ status: 200, body: { limits: null, credits: null, updatedAt: null } }) },
  'PATCH /v1/teams/:id/limits': {
    auth: 'pipeline',
    kinds: INTERACTIVE,
    ownsTeam: true,
    body: () => ({ limits: { requestsPerDay: 5000 } }),
    ok: () => ({ status: 200, body: { limits: { requestsPerDay: 5000 }, credits: null, updatedAt: ISO } }),
  },
  'PATCH /v1/me/limits': {
    auth: 'pipeline',
    kinds: INTERACTIVE,
    // A different value each time, so each change shows.
    body: () => ({ limits: { requestsPerDay: 1_000_000 + ++limitsSet } }),
    ok: ({ sent }) => ({ status: 200, body: { limits: sent.limits, credits: null, updatedAt: ISO } }),
    changed: (before, { res }) => ({ ...before, limits: res.json }),
  },
};

/** A key just made with `{name: 'battery'}` and nothing else, as the API shows it. */
function freshView(id: string, createdAt: string) {
  const created = Date.parse(createdAt);
  return {
    id,
    name: 'battery',
    type: 'server',
    status: 'active',
    scopes: null,
    allowedOrigins: [],
    allowedIps: [],
    appCheck: null,
    createdAt: ISO,
    expiresAt: Number.isNaN(created) ? ISO : new Date(created + config().keys.defaultTtlDays * 86_400_000).toISOString(),
    revokedAt: null,
    regeneratedAt: null,
    previousSecretValidUntil: null,
    lastUsedAt: null,
    disabledAt: null,
    metadata: null,
    limits: null,
    credits: null,
  };
}

/** A key's view with its last use left out when the battery uses it as a credential (every request moves it). */
const unused = (k: Record<string, unknown>) => (used.has(k.id as string) ? { ...k, lastUsedAt: 'moves with each use' } : k);

const hasBody = (method: string) => method !== 'GET';
const key = (r: RegisteredRoute) => `${r.method} ${r.path}`;
const rulesOf = (r: RegisteredRoute) => ENDPOINTS[key(r)]!;
/** The endpoint's valid body, as sent (JSON, or a form on `/oauth/*`) and as parsed. */
const bodyOf = (route: RegisteredRoute): { text?: string; sent?: unknown } => {
  if (!hasBody(route.method)) return {};
  const body = rulesOf(route).body?.() ?? {};
  return body instanceof URLSearchParams ? { text: body.toString(), sent: Object.fromEntries(body) } : { text: JSON.stringify(body), sent: body };
};
const isOAuth = (route: RegisteredRoute) => route.errors === 'oauth';
/** The Content-Type a body is sent with (and signed with, for a signed request). */
const typeOf = (route: RegisteredRoute) => (isOAuth(route) ? 'application/x-www-form-urlencoded' : 'application/json');

const create = async (user: TestUser, name = 'battery'): Promise<CreatedKey> => {
  const res = await fetchAt(`${app.url}/v1/keys`, { method: 'POST', headers: jsonHeaders(user.idToken), body: JSON.stringify({ name }) });
  if (res.status !== 201) throw new Error(`create key: ${res.status} ${res.text}`);
  if (user === owner) made.add(res.json.id);
  return res.json as CreatedKey;
};

/** The user's state through the API: keys (in the API's order), own limits, webhook; for the owner, the shared session. */
async function snapshot(user: TestUser = owner): Promise<Snapshot> {
  const read = (path: string, headers: Record<string, string> = bearer(user.idToken)) => fetchAt(`${app.url}${path}`, { headers });
  const [keys, limits, webhook, session, teams] = await Promise.all([
    read('/v1/keys'),
    read('/v1/me/limits'),
    read('/v1/notifications/webhook'),
    user === owner ? read('/v1/me', { cookie: `__session=${cookie}` }) : undefined,
    read('/v1/teams'),
  ]);
  if (keys.status !== 200 || limits.status !== 200 || teams.status !== 200) throw new Error(`snapshot: ${keys.status} ${limits.status} ${teams.status}`);
  const state: Snapshot = { keys: keys.json.keys.map(unused), limits: limits.json, webhook: { status: webhook.status, body: webhook.json }, teams: teams.json.teams };
  if (session) state.session = session.status;
  return state;
}

beforeAll(async () => {
  app = await appWithAudit();
  routes = buildApp(app.services).locals.routes as readonly RegisteredRoute[];
  [owner, stranger] = await Promise.all([createUser(), createUser()]);
  // Accepting an invitation needs a verified email; set before the app first reads the owner.
  await adminAuth().updateUser(owner.uid, { emailVerified: true });
  [ownerTeam, strangerTeam] = await Promise.all([newTeam(owner), newTeam(stranger)]);
  // One invitation of the owner into another user's team for each accept the battery makes (the
  // interactive kinds), and one more that the refused requests carry and never use.
  const host = await createUser();
  for (let i = 0; i <= INTERACTIVE.length; i++) {
    const team = await newTeam(host, 'host team');
    const { id } = await invite(host, team, owner.email);
    const mail = await adminDb().collection(app.services.config.notifications.mailCollection).doc(`invitation-${id}`).get();
    acceptTokens.push({ team, token: /#token=(kwi_\w+)/.exec(mail.data()!.message.text)![1]! });
  }
  ownerKey = await create(owner, 'battery caller');
  used.add(ownerKey.id);
  strangerKey = await create(stranger, 'stranger');
  cookie = await sessionFor(owner);
  token = await issueToken(ownerKey.key, {}, app.url);
}, 60_000);
afterAll(() => app.close());

async function newTeam(user: TestUser, name = 'battery team'): Promise<string> {
  const res = await fetchAt(`${app.url}/v1/teams`, { method: 'POST', headers: jsonHeaders(user.idToken), body: JSON.stringify({ name }) });
  if (res.status !== 201) throw new Error(`create team: ${res.status} ${res.text}`);
  return res.json.id;
}

async function invite(user: TestUser, team: string, email = INVITEE): Promise<{ id: string }> {
  const res = await fetchAt(`${app.url}/v1/teams/${team}/invitations`, { method: 'POST', headers: jsonHeaders(user.idToken), body: JSON.stringify({ email, role: 'developer' }) });
  if (res.status !== 201) throw new Error(`invite: ${res.status} ${res.text}`);
  return res.json;
}

/**
 * The path with `:id` filled: a fresh key of the owner's (the request may change it), or the given
 * one. A team path: the owner's team for reads, a fresh one for changes (`:uid` the owner, an
 * invitation made for it), or the given one.
 */
async function pathFor(route: RegisteredRoute, id?: string): Promise<{ path: string; key?: CreatedKey; team?: string; invitation?: string }> {
  if (route.path.startsWith('/v1/teams/:id')) {
    const team = id ?? (route.method === 'GET' ? ownerTeam : await newTeam(owner));
    const invitation = route.path.includes(':invitationId') ? (id === undefined ? (await invite(owner, team)).id : 'AAAAAAAAAAAAAAAA') : undefined;
    return { path: route.path.replace(':id', team).replace(':uid', owner.uid).replace(':invitationId', invitation ?? ''), team, invitation };
  }
  if (!route.path.includes(':id')) return { path: route.path };
  const made = id === undefined ? await create(owner) : undefined;
  return { path: route.path.replace(':id', id ?? made!.id), key: made };
}

async function credential(kind: Kind, route: RegisteredRoute, url: string, body: string | undefined, fresh: boolean): Promise<Record<string, string>> {
  const { method } = route;
  const sameOrigin = { origin: app.url, 'sec-fetch-site': 'same-origin' };
  switch (kind) {
    case 'session':
      return { cookie: `__session=${fresh ? await sessionFor(owner, 3600 + Math.floor(Math.random() * 100000)) : cookie}`, ...sameOrigin };
    case 'id_token':
      return { authorization: `Bearer ${owner.idToken}` };
    case 'api_key':
      return { 'x-api-key': ownerKey.key };
    case 'access_token':
      return { authorization: `Bearer ${token}` };
    case 'signature':
      return signRequest({ keyId: ownerKey.id, signingSecret: ownerKey.signingSecret }, { method, url, body, contentType: body === undefined ? undefined : typeOf(route) });
  }
}

/** The key's secret as OAuth client credentials (`client_secret_basic`). */
const clientCredentials = () => ({ authorization: `Basic ${Buffer.from(`${ownerKey.id}:${ownerKey.key.split('_').pop()}`).toString('base64')}` });

async function send(route: RegisteredRoute, path: string, headers: Record<string, string>, body?: string) {
  const { method } = route;
  const res = await fetchAt(`${app.url}${path}`, { method, headers: body === undefined ? headers : { 'content-type': typeOf(route), ...headers }, body });
  // Whatever the request, never a fault, always the endpoint's error shape, always a request id.
  expect([method, path, res.status < 500 ? 'no fault' : res.text]).toEqual([method, path, 'no fault']);
  expect(res.headers.get('x-request-id')).toBeTruthy();
  if (res.status >= 400 && isOAuth(route)) expect(res.json).toEqual({ error: expect.stringMatching(/^[a-z_]+$/), error_description: expect.any(String) });
  else if (res.status >= 400) expect(res.json).toEqual({ error: { code: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String), ...(res.json?.error?.field === undefined ? {} : { field: expect.stringMatching(/^(\/[^/]*)+$/) }) } });
  return res;
}

/** A refusal, exactly: status, code (OAuth's `error` on `/oauth/*`), and the challenge of a 401. */
function refusal(route: RegisteredRoute, res: ApiResponse) {
  return [res.status, isOAuth(route) ? res.json?.error : res.json?.error?.code, res.status === 401 ? res.headers.get('www-authenticate') : undefined];
}
const BEARER = 'Bearer';
const BASIC = 'Basic realm="keyward", charset="UTF-8"';
const GITHUB = 'Github-Public-Key-Signature';

/** An allowed request: the endpoint's answer, and the state changed exactly as it says (or not at all). */
async function expectAllowed(route: RegisteredRoute, label: unknown[], c: Call) {
  const rules = rulesOf(route);
  const expected = await rules.ok!(c);
  expect([...label, c.res.status, c.res.json]).toEqual([...label, expected.status, expected.body]);
  const expectedAfter = rules.changed ? await rules.changed(c.before, c) : c.before;
  expect([...label, await snapshot()]).toEqual([...label, expectedAfter]);
}

describe('the shared security battery', () => {
  it('knows every registered endpoint, and only those', () => {
    expect(routes.map(key).sort()).toEqual(Object.keys(ENDPOINTS).sort());
  });

  it('answers a request without a credential as the endpoint declares, and changes nothing', async () => {
    for (const route of routes) {
      const rules = rulesOf(route);
      const { path, key: pathKey, team, invitation } = await pathFor(route);
      await rules.setup?.();
      const before = await snapshot();
      // A `body` endpoint without the credential in its body.
      const { text, sent } = rules.auth === 'body' ? { text: '{}', sent: {} } : bodyOf(route);
      const res = await send(route, path, {}, text);
      const label = [key(route), 'no credential'];
      if (rules.auth === 'none' || rules.auth === 'optional') {
        await expectAllowed(route, label, { key: pathKey, team, invitation, sent, headers: {}, res, before });
        continue;
      }
      const expected = {
        pipeline: [401, 'unauthenticated', BEARER],
        body: [400, 'invalid_request', undefined],
        webhook: [401, 'invalid_signature', GITHUB],
        oauth: [401, 'invalid_client', BASIC],
      }[rules.auth];
      expect([...label, ...refusal(route, res)]).toEqual([...label, ...expected]);
      expect([...label, await snapshot()]).toEqual([...label, before]);
    }
  });

  it('gives each allowed credential kind the endpoint’s answer, and refuses the others exactly, changing nothing', async () => {
    for (const route of routes) {
      const rules = rulesOf(route);
      // The credential in the body (`body`), or the OAuth client's own credentials (`oauth`), alone.
      if (rules.auth === 'body' || rules.auth === 'oauth') {
        const { text, sent } = bodyOf(route);
        const headers = rules.auth === 'oauth' ? clientCredentials() : {};
        await rules.setup?.();
        const before = await snapshot();
        const res = await send(route, route.path, headers, text);
        await expectAllowed(route, [key(route), rules.auth === 'oauth' ? 'client credentials' : 'body credential'], { sent, headers, res, before });
      }
      const allowed = (kind: Kind) => rules.auth === 'none' || rules.auth === 'optional' || (rules.auth === 'body' && !rules.refused) || (rules.kinds ?? []).includes(kind);
      const noStore = (label: unknown[], res: ApiResponse) => {
        if (rules.auth === 'pipeline' || rules.auth === 'oauth') expect([...label, res.headers.get('cache-control')]).toEqual([...label, 'no-store']);
      };
      // Each allowed kind on its own: what it changes is compared to the state just before it.
      for (const kind of ALL.filter(allowed)) {
        const { path, key: pathKey, team, invitation } = await pathFor(route);
        const { text, sent } = bodyOf(route);
        const headers = await credential(kind, route, `${app.url}${path}`, text, rules.consumes === true);
        await rules.setup?.();
        const before = await snapshot();
        const res = await send(route, path, headers, text);
        await expectAllowed(route, [key(route), kind], { kind, key: pathKey, team, invitation, sent, headers, res, before });
        noStore([key(route), kind], res);
      }
      // The refused kinds at once (each on its own key): each refused exactly, and nothing at all changed.
      const refused = ALL.filter((kind) => !allowed(kind));
      const requests = await Promise.all(
        refused.map(async (kind) => {
          const { path } = await pathFor(route);
          const { text } = bodyOf(route);
          return { kind, path, text, headers: await credential(kind, route, `${app.url}${path}`, text, rules.consumes === true) };
        }),
      );
      await rules.setup?.();
      const before = await snapshot();
      const answers = await Promise.all(requests.map(({ path, headers, text }) => send(route, path, headers, text)));
      const expected = {
        pipeline: [403, 'interactive_credential_required', undefined],
        // None of our credentials is GitHub's signature.
        webhook: [401, 'invalid_signature', GITHUB],
        body: [...(rules.refused ?? []), undefined],
        oauth: [401, 'invalid_client', BASIC],
      }[rules.auth as 'pipeline' | 'webhook' | 'body' | 'oauth'];
      answers.forEach((res, i) => {
        expect([key(route), refused[i], ...refusal(route, res)]).toEqual([key(route), refused[i], ...expected]);
        noStore([key(route), refused[i]], res);
      });
      expect([key(route), refused, await snapshot()]).toEqual([key(route), refused, before]);
    }
    // Every key the owner has, the battery made.
    expect((await snapshot()).keys.map((k) => k.id).sort()).toEqual([...made].sort());
  }, 180_000); // every endpoint, each kind, with state read before and after: about a minute on a busy machine

  it('answers 404 for another user’s resource, whatever the credential, and changes nothing of theirs or the caller’s', async () => {
    const [theirs, mine] = await Promise.all([snapshot(stranger), snapshot()]);
    for (const route of routes.filter((r) => rulesOf(r).ownsKey)) {
      const { path } = await pathFor(route, strangerKey.id);
      const { text } = bodyOf(route);
      const interactive: Record<string, string>[] = [{ authorization: `Bearer ${owner.idToken}` }, { cookie: `__session=${cookie}`, origin: app.url, 'sec-fetch-site': 'same-origin' }];
      for (const headers of interactive) {
        const res = await send(route, path, headers, text);
        expect([key(route), res.status, res.json]).toEqual([key(route), 404, { error: { code: 'not_found', message: 'No such key.' } }]);
      }
    }
    expect(await Promise.all([snapshot(stranger), snapshot()])).toEqual([theirs, mine]);
  });

  it('answers 404 for another team, whatever the credential, and changes nothing of theirs or the caller’s', async () => {
    const [theirs, mine] = await Promise.all([snapshot(stranger), snapshot()]);
    for (const route of routes.filter((r) => rulesOf(r).ownsTeam)) {
      const { path } = await pathFor(route, strangerTeam);
      const { text } = bodyOf(route);
      const interactive: Record<string, string>[] = [{ authorization: `Bearer ${owner.idToken}` }, { cookie: `__session=${cookie}`, origin: app.url, 'sec-fetch-site': 'same-origin' }];
      for (const headers of interactive) {
        const res = await send(route, path, headers, text);
        expect([key(route), res.status, res.json]).toEqual([key(route), 404, { error: { code: 'not_found', message: 'No such team.' } }]);
      }
    }
    expect(await Promise.all([snapshot(stranger), snapshot()])).toEqual([theirs, mine]);
  });

  it('refuses a cross-site request carried by the session cookie, and changes nothing', async () => {
    for (const route of routes.filter((r) => hasBody(r.method) && rulesOf(r).auth !== 'none')) {
      const { path } = await pathFor(route);
      const rules = rulesOf(route);
      await rules.setup?.();
      const before = await snapshot();
      const res = await send(route, path, { cookie: `__session=${cookie}`, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, bodyOf(route).text);
      const expected =
        rules.auth === 'webhook'
          ? [401, 'invalid_signature', GITHUB]
          : rules.auth === 'oauth'
            ? [401, 'invalid_client', BASIC]
            : rules.cookieless
              ? [400, 'multiple_credentials', undefined]
              : [403, 'cross_site_request', undefined];
      expect([key(route), ...refusal(route, res)]).toEqual([key(route), ...expected]);
      expect([key(route), await snapshot()]).toEqual([key(route), before]);
    }
  });

  it('refuses malformed bodies with a 4xx and changes nothing', async () => {
    const bodies: [string, string, number, string][] = [
      ['application/json', '{', 400, 'invalid_json'],
      ['application/json', '[]', 400, 'invalid_request'],
      ['application/json', '{"name":"a","name":"b"}', 400, 'invalid_json'],
      ['application/json', '{"name":"\\udc00"}', 400, 'invalid_json'],
      ['text/plain', '{"name":"a"}', 415, 'unsupported_media_type'],
      ['application/x-www-form-urlencoded', 'name=a', 415, 'unsupported_media_type'],
    ];
    const before = await snapshot();
    // A webhook checks its sender's signature over the raw body first: a malformed body is a 401 there.
    for (const route of routes.filter((r) => hasBody(r.method) && rulesOf(r).auth !== 'webhook' && !isOAuth(r))) {
      const { path } = await pathFor(route, ownerKey.id);
      const headers = (type: string) => (rulesOf(route).auth === 'pipeline' ? { authorization: `Bearer ${owner.idToken}`, 'content-type': type } : { 'content-type': type });
      const answers = await Promise.all(bodies.map(([type, text]) => fetchAt(`${app.url}${path}`, { method: route.method, headers: headers(type), body: text })));
      expect(answers.map((res, i) => [key(route), bodies[i]![1], res.status, res.json?.error?.code])).toEqual(bodies.map(([, text, status, code]) => [key(route), text, status, code]));
    }
    expect(await snapshot()).toEqual(before);
  });

  it('refuses malformed OAuth requests with OAuth’s invalid_request (the form is read before the client), and changes nothing', async () => {
    const malformed: [string, Record<string, string>, string][] = [
      ['', { 'content-type': 'application/json' }, JSON.stringify({ grant_type: 'client_credentials', token })],
      ['', { 'content-type': 'text/plain' }, 'grant_type=client_credentials'],
      ['?grant_type=client_credentials', { 'content-type': 'application/x-www-form-urlencoded' }, ''],
      ['', { 'content-type': 'application/x-www-form-urlencoded' }, `grant_type=client_credentials&grant_type=client_credentials&token=${token}&token=${token}`],
      ['', { 'content-type': 'application/x-www-form-urlencoded' }, `grant_type=client_credentials&token=${'x'.repeat(8193)}`],
    ];
    const before = await snapshot();
    for (const route of routes.filter(isOAuth)) {
      for (const [query, headers, body] of malformed) {
        const res = await send(route, `${route.path}${query}`, { ...clientCredentials(), ...headers }, body);
        expect([key(route), query, body.slice(0, 60), ...refusal(route, res)]).toEqual([key(route), query, body.slice(0, 60), 400, 'invalid_request', undefined]);
      }
    }
    expect(await snapshot()).toEqual(before);
  });
});
