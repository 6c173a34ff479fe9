/** Keys in the console: the create form as an API request, the field an error names, the scopes a person may give, how to use a new key. Pure. */
import { endOfDayIso, splitList } from './words';

export interface KeyForm {
  name: string;
  type: string;
  expiresOn: string;
  allowedOrigins: string;
  allowedIps: string;
  scopes: string;
}

/** The data of `createApiKey` (as `POST /v1/keys`): only what the user filled in, so the API's defaults apply. */
export function createKeyBody(form: KeyForm): Record<string, unknown> {
  const body: Record<string, unknown> = { name: form.name.trim(), type: form.type };
  if (form.expiresOn) body.expiresAt = endOfDayIso(form.expiresOn) ?? form.expiresOn;
  const origins = splitList(form.allowedOrigins);
  const ips = splitList(form.allowedIps);
  const scopes = splitList(form.scopes);
  if (origins.length) body.allowedOrigins = origins;
  if (ips.length) body.allowedIps = ips;
  if (scopes.length) body.scopes = scopes;
  return body;
}

/** The form field an error names (the API's `field`, a JSON pointer such as `/allowedIps/2`), if the form has it. */
export function fieldOfError(err: { field?: string }, fields: readonly string[]): string | undefined {
  const first = err.field?.split('/')[1];
  return first !== undefined && fields.includes(first) ? first : undefined;
}

/** The scopes a person may give a key: their permissions and roles (an admin may give any). */
export function heldScopes(claims: { admin?: boolean; auditor?: boolean; permissions?: unknown }): string[] {
  const out = Array.isArray(claims.permissions) ? claims.permissions.filter((p): p is string => typeof p === 'string') : [];
  if (claims.admin === true) out.push('admin');
  if (claims.admin === true || claims.auditor === true) out.push('auditor');
  return [...new Set(out)].sort();
}

/** How to use a new key, with the secrets as environment variables (never pasted into a shell history). */
export function usageSnippets(origin: string, keyId: string): { curl: string; client: string } {
  return {
    curl: `curl ${origin}/v1/me -H "Authorization: ApiKey $KEYWARD_KEY"`,
    client: [
      `import { AccessTokens, signedFetch } from './client/src';`,
      `const tokens = new AccessTokens({ baseUrl: '${origin}', apiKey: process.env.KEYWARD_KEY! });`,
      `await tokens.fetch('/v1/me');`,
      `// or sign each request: the secret never travels`,
      `await signedFetch({ keyId: '${keyId}', signingSecret: process.env.KEYWARD_SIGNING_SECRET! }, '${origin}/v1/me');`,
    ].join('\n'),
  };
}

/** Grace periods offered when a key is regenerated (seconds; the API allows 0 to 604800). */
export const GRACE_PERIODS: ReadonlyArray<{ seconds: number; label: string }> = [
  { seconds: 0, label: 'None: the old key stops working now' },
  { seconds: 300, label: '5 minutes' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 86_400, label: '1 day' },
  { seconds: 604_800, label: '7 days' },
];
