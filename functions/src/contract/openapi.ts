/**
 * The OpenAPI 3.1 document, generated from the schemas (contract/schemas.ts) and the operations
 * (contract/operations.ts) for exactly the routes the app registered: a registered route without
 * an operation, or an operation without a route, is an error here, and so in the tests.
 * Served at `GET /openapi.json` and committed as docs/openapi.json (a test keeps them equal).
 */
import { z, type ZodType } from 'zod';
import { OPERATIONS, TAGS, type Operation, type Scheme } from './operations';

interface RouteKey {
  method: string;
  path: string;
}

type Json = Record<string, unknown>;

const COMPONENT = (id: string) => `#/components/schemas/${id}`;
const DIALECT = { target: 'draft-2020-12', uri: COMPONENT } as const;

/** A schema as JSON Schema, its named parts as references to the components. */
function jsonSchema(schema: ZodType, io: 'input' | 'output'): Json {
  const id = z.globalRegistry.get(schema)?.id;
  if (id) return { $ref: COMPONENT(id) };
  const { $schema: _s, $defs: _d, ...rest } = z.toJSONSchema(schema, { ...DIALECT, io, unrepresentable: 'any' }) as Json;
  return JSON.parse(JSON.stringify(rest).replaceAll('"#/$defs/', '"#/components/schemas/')) as Json;
}

const SECURITY_SCHEMES: Record<Scheme, Json> = {
  sessionCookie: { type: 'apiKey', in: 'cookie', name: '__session', description: 'The session cookie `POST /v1/auth/session` sets (HttpOnly, SameSite=Strict). State changes also need a same-origin `Origin`.' },
  bearer: { type: 'http', scheme: 'bearer', description: 'A Firebase ID token, a Keyward access token (`/v1/auth/issue`, `/oauth/token`), or an API key.' },
  apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key; or the pair form `X-API-Key: base64(<key id>)` with `X-API-Secret: base64(<secret>)`.' },
  apiKeyAuthorization: { type: 'apiKey', in: 'header', name: 'Authorization', description: '`ApiKey <key>`, or `ApiKey base64(<key id>:<secret>)`.' },
  signedRequest: {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description: '`Keyward-HMAC-SHA256 Credential=<key id>, Timestamp=<unix s>, Nonce=<nonce>, Signature=<hex>`: an HMAC-SHA256 of the request under the key’s signing secret (README: signed requests). The secret never travels.',
  },
  accessTokenQuery: { type: 'apiKey', in: 'query', name: 'token', description: 'A Keyward access token, on GET and WebSocket upgrades only.' },
  oauthClient: { type: 'http', scheme: 'basic', description: 'OAuth client credentials: client id = key id, client secret = the key’s secret part (or `client_id` and `client_secret` in the form).' },
  githubSignature: { type: 'apiKey', in: 'header', name: 'Github-Public-Key-Signature', description: "GitHub's ECDSA signature of the raw body, with `Github-Public-Key-Identifier`." },
};

const ERROR_TEXT: Record<number, string> = {
  400: 'Malformed input (`field` names what was wrong)',
  401: 'Missing, invalid, expired or revoked credential (with `WWW-Authenticate`)',
  403: 'Authenticated but not allowed (scope, origin, role, CSRF)',
  404: 'Not found (someone else’s resource too)',
  409: 'Conflict (a concurrent change won, a cap, a state that does not allow it)',
  413: 'Body over the limit',
  415: 'Not a JSON body',
  429: 'A limit or the credits are spent (with `Retry-After`)',
  500: 'A bug on our side',
  503: 'A dependency is down; Keyward fails closed (with `Retry-After`)',
};
/** Any request may be malformed, carry a body too large or not JSON, be limited, or meet a fault. */
const EVERY_OPERATION_ERRORS = [400, 413, 415, 429, 500, 503];

function responses(op: Operation): Json {
  const out: Json = {};
  for (const [status, { description, schema }] of Object.entries(op.responses)) {
    out[status] = schema ? { description, content: { 'application/json': { schema: jsonSchema(schema, 'output') } } } : { description };
  }
  const error = { $ref: COMPONENT(op.oauthErrors ? 'OAuthError' : 'Error') };
  for (const status of [...new Set([...op.errors, ...EVERY_OPERATION_ERRORS])].sort()) {
    out[String(status)] = { description: ERROR_TEXT[status], content: { 'application/json': { schema: error } } };
  }
  return out;
}

function operation(key: string, op: Operation): Json {
  const path = key.slice(key.indexOf(' ') + 1);
  const parameters: Json[] = [];
  for (const [, name] of path.matchAll(/:([A-Za-z]+)/g)) parameters.push({ name, in: 'path', required: true, schema: { type: 'string' } });
  for (const [name, schema] of Object.entries(op.query ?? {})) parameters.push({ name, in: 'query', required: !schema.safeParse(undefined).success, schema: jsonSchema(schema, 'input') });
  const media = op.body?.kind === 'form' ? 'application/x-www-form-urlencoded' : 'application/json';
  return {
    operationId: operationId(key),
    summary: op.summary,
    tags: [op.tag],
    ...(parameters.length ? { parameters } : {}),
    ...(op.body ? { requestBody: { required: true, content: { [media]: { schema: jsonSchema(op.body.schema, 'input') } } } } : {}),
    responses: responses(op),
    security: op.security.length ? [...op.security.map((s) => ({ [s]: [] })), ...(op.optionalAuth ? [{}] : [])] : [],
  };
}

/** `POST /v1/keys/:id/regenerate` → `postV1KeysIdRegenerate`. */
function operationId(key: string): string {
  const words = key.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim().split(' ');
  return words.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join('');
}

/** The document for the routes an app registered (`app.locals.routes`); `serverUrl`: where it answers. */
export function openApiDocument(routes: readonly RouteKey[], serverUrl?: string): Json {
  const registered = new Set(routes.map((r) => `${r.method} ${r.path}`));
  const missing = [...registered].filter((k) => !OPERATIONS[k]);
  const extra = Object.keys(OPERATIONS).filter((k) => !registered.has(k));
  if (missing.length || extra.length) throw new Error(`The contract and the routes differ: no operation for ${missing.join(', ') || 'none'}; no route for ${extra.join(', ') || 'none'}.`);
  const paths: Record<string, Json> = {};
  for (const key of Object.keys(OPERATIONS).sort()) {
    const [method, path] = key.split(' ') as [string, string];
    const openPath = path.replace(/:([A-Za-z]+)/g, '{$1}');
    paths[openPath] = { ...paths[openPath], [method.toLowerCase()]: operation(key, OPERATIONS[key]!) };
  }
  const { schemas } = z.toJSONSchema(z.globalRegistry, { ...DIALECT, io: 'output', unrepresentable: 'any' }) as { schemas: Record<string, Json> };
  const components = Object.fromEntries(
    Object.entries(schemas)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'Keyward',
      version: '1',
      summary: 'Authentication for an API on Firebase: session cookies, API keys, access tokens, signed requests, audit.',
      description: 'Every error is JSON: `{"error": {"code", "message", "field"?}}` (on `/oauth/*`, OAuth’s `{"error", "error_description"}`). The README is the guide; this document is the machine-readable contract.',
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [{ url: serverUrl ?? '/' }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: { schemas: components, securitySchemes: SECURITY_SCHEMES },
  };
}
