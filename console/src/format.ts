/** Turning form input into API requests and API values into words. Pure: no DOM, no network. */

/** Entries typed one per line or separated by commas or spaces; blanks and repeats dropped. */
export function splitList(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean))];
}

/** `<input type="date">` → the end of that day in the user's time zone, as ISO 8601. */
export function endOfDayIso(date: string, tz: (d: string) => Date = (d) => new Date(`${d}T23:59:59`)): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  const at = tz(date);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

/** `<input type="datetime-local">` (the user's time zone) → ISO 8601, or undefined when empty/invalid. */
export function localDateTimeIso(value: string): string | undefined {
  if (!value) return undefined;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

/** `YYYY-MM-DD` of the day after `now`, in local time: the earliest expiry a date field offers. */
export function tomorrow(now: Date): string {
  const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** An ISO timestamp for people: local date and time (to the minute, or the second); `empty` for null. */
export function when(iso: string | null | undefined, empty = 'never', seconds = false): string {
  if (!iso) return empty;
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return at.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: seconds ? '2-digit' : undefined,
  });
}

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

export interface AuditFilters {
  uid?: string;
  event?: string;
  keyId?: string;
  from?: string;
  to?: string;
  pageSize?: number;
  pageToken?: string;
}

/** The data of the `queryAuditLog` callable: empty filters are left out (the API refuses empty strings). */
export function auditData(filters: AuditFilters): Record<string, string | number> {
  const data: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(filters)) {
    if (value !== undefined && value !== '') data[name] = value as string | number;
  }
  return data;
}

/** The API's closed set of audit events (one list for server and console). */
export { AUDIT_EVENTS } from '../../functions/src/audit/events';

/** Grace periods offered when a key is regenerated (seconds; the API allows 0 to 604800). */
export const GRACE_PERIODS: ReadonlyArray<{ seconds: number; label: string }> = [
  { seconds: 0, label: 'None: the old key stops working now' },
  { seconds: 300, label: '5 minutes' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 86_400, label: '1 day' },
  { seconds: 604_800, label: '7 days' },
];

/** Words for the Firebase Auth SDK's error codes a person can meet on the sign-in form. */
export function signInErrorMessage(code: string | undefined): string {
  switch (code) {
    case 'auth/invalid-credential':
    case 'auth/wrong-password':
    case 'auth/user-not-found':
    case 'auth/invalid-login-credentials':
      return 'The email or password is wrong.';
    case 'auth/email-already-in-use':
      return 'An account with this email already exists: sign in instead.';
    case 'auth/invalid-email':
      return 'That is not a valid email address.';
    case 'auth/weak-password':
    case 'auth/password-does-not-meet-requirements':
      return 'Choose a longer password (at least 6 characters).';
    case 'auth/missing-password':
      return 'Enter your password.';
    case 'auth/too-many-requests':
      return 'Too many attempts: wait a moment and try again.';
    case 'auth/user-disabled':
      return 'This account has been disabled.';
    case 'auth/network-request-failed':
      return 'Could not reach the sign-in service: check your connection and try again.';
    case 'auth/operation-not-allowed':
      return 'Email and password sign-in is not enabled for this project.';
    default:
      return 'Sign-in failed: try again.';
  }
}
