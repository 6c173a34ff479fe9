/** Keys in the console: the create form as an API request, the field an error names, the scopes a person may give, how to use a new key. Pure. */
import { endOfDayIso, splitList, when } from './words';

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
export function callExamples(origin: string, keyId: string): { curl: string; client: string } {
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

/** A key's status in words: `disabled` is "paused" to people, and an old secret's grace period is named. */
export function statusText(key: { status: string; previousSecretValidUntil?: string | null }): string {
  const base = key.status === 'disabled' ? 'paused' : key.status;
  return key.previousSecretValidUntil ? `${base} (old secret works until ${when(key.previousSecretValidUntil)})` : base;
}

export type KeyAction = 'regenerate' | 'pause' | 'resume' | 'revoke';

/** The buttons' words; each button's accessible name adds the key's name (`Revoke billing`). */
export const ACTION_LABELS: Readonly<Record<KeyAction, string>> = { regenerate: 'Regenerate', pause: 'Pause', resume: 'Resume', revoke: 'Revoke' };

/** What can still be done to a key in this status (the API refuses the rest with 409). */
export function keyActionsFor(status: string): KeyAction[] {
  if (status === 'revoked' || status === 'expired') return [];
  if (status === 'disabled') return ['resume', 'revoke'];
  return ['regenerate', 'pause', 'revoke'];
}
