/** Turning form input into API requests and API values into words. Pure: no DOM, no network. */
import type { Problem as VerifyProblem, VerifyReport } from '../../functions/src/audit/verify';

/** `GET /v1/audit/verify`'s answer (the server's own types). */
export type { VerifyProblem, VerifyReport };

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

/** An ISO timestamp as a local date only (`Nov 30, 2026`); `empty` for null. */
export function whenDay(iso: string | null | undefined, empty = 'never'): string {
  if (!iso) return empty;
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : at.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
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
  /** `changes` leaves out successful access entries (auth.success): the default view. */
  kind?: 'all' | 'changes';
}

/** The audit filters a URL can carry (`#audit?event=key.create&access=1`): bookmarkable, never a secret. */
export interface AuditUrlState {
  uid?: string;
  event?: string;
  keyId?: string;
  from?: string;
  to?: string;
  /** Show every access entry too. */
  access?: boolean;
}

const URL_FIELDS = ['uid', 'event', 'keyId', 'from', 'to'] as const;

export function auditStateToQuery(state: AuditUrlState): string {
  const params = new URLSearchParams();
  for (const name of URL_FIELDS) if (state[name]) params.set(name, state[name]!);
  if (state.access) params.set('access', '1');
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function auditStateFromQuery(query: string): AuditUrlState {
  const params = new URLSearchParams(query.replace(/^\?/, ''));
  const state: AuditUrlState = {};
  for (const name of URL_FIELDS) {
    const value = params.get(name);
    if (value) state[name] = value.slice(0, 200);
  }
  if (params.get('access') === '1') state.access = true;
  return state;
}

/** The query for a state: without an event or the access toggle, successful access entries are left out. */
export function auditFiltersOf(state: AuditUrlState, pageSize: number): AuditFilters {
  return {
    uid: state.uid,
    event: state.event,
    keyId: state.keyId,
    from: state.from,
    to: state.to,
    pageSize,
    kind: state.access || state.event ? undefined : 'changes',
  };
}

/** A CSV cell: quoted when needed; a leading = + - @ is defused so a spreadsheet never runs it as a formula. */
export function csvCell(value: unknown): string {
  let text = value === undefined || value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export interface ExportEntry {
  timestamp: string;
  event: string;
  outcome: string;
  actor?: { uid?: string; method?: string; keyId?: string };
  target?: { uid?: string; keyId?: string; role?: string };
  request?: { ip?: string; userAgent?: string; origin?: string; method?: string; path?: string; requestId?: string };
  reason?: string;
}

const CSV_COLUMNS: ReadonlyArray<[string, (e: ExportEntry, users: Record<string, string>) => unknown]> = [
  ['timestamp', (e) => e.timestamp],
  ['event', (e) => e.event],
  ['outcome', (e) => e.outcome],
  ['actor_uid', (e) => e.actor?.uid],
  ['actor_email', (e, u) => (e.actor?.uid ? u[e.actor.uid] : undefined)],
  ['actor_method', (e) => e.actor?.method],
  ['actor_key_id', (e) => e.actor?.keyId],
  ['target_uid', (e) => e.target?.uid],
  ['target_email', (e, u) => (e.target?.uid ? u[e.target.uid] : undefined)],
  ['target_key_id', (e) => e.target?.keyId],
  ['target_role', (e) => e.target?.role],
  ['reason', (e) => e.reason],
  ['ip', (e) => e.request?.ip],
  ['method', (e) => e.request?.method],
  ['path', (e) => e.request?.path],
  ['origin', (e) => e.request?.origin],
  ['user_agent', (e) => e.request?.userAgent],
  ['request_id', (e) => e.request?.requestId],
];

/** Audit entries as CSV (RFC 4180, CRLF line ends), emails beside uids where known. */
export function auditCsv(entries: ExportEntry[], users: Record<string, string> = {}): string {
  const lines = [CSV_COLUMNS.map(([name]) => name).join(',')];
  for (const e of entries) lines.push(CSV_COLUMNS.map(([, get]) => csvCell(get(e, users))).join(','));
  return `${lines.join('\r\n')}\r\n`;
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

/** `1234567` → `1,234,567` in the person's locale. */
export const count = (n: number): string => n.toLocaleString();

/** A short day label for charts: `30 Nov`. */
export function dayLabel(day: string): string {
  const at = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(at.getTime()) ? day : at.toLocaleDateString(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

/** The data of the `queryAuditLog` callable: empty filters are left out (the API refuses empty strings). */
export function auditData(filters: AuditFilters): Record<string, string | number> {
  const data: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(filters)) {
    if (value !== undefined && value !== '') data[name] = value as string | number;
  }
  return data;
}

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

/** A key's (or an owner's) `limits` and `credits` as the API shows them (functions/src/keys/limits.ts). */
export interface UsageLimits {
  requestsPerMinute?: number;
  requestsPerDay?: number;
}
export interface CreditsView {
  remaining: number;
  refill?: { amount: number; interval: 'day' | 'month' };
  nextRefillAt: string | null;
}
export interface UsageSettings {
  limits: UsageLimits | null;
  credits: CreditsView | null;
}

/** The limits form's fields, as typed: empty means "none". */
export interface LimitsForm {
  requestsPerMinute: string;
  requestsPerDay: string;
  credits: string;
  refillAmount: string;
  refillInterval: string;
}

/** The form as it starts for `current`: what a person sees before changing anything. */
export function limitsFormOf(current: UsageSettings): LimitsForm {
  const text = (n: number | undefined) => (n === undefined ? '' : String(n));
  return {
    requestsPerMinute: text(current.limits?.requestsPerMinute),
    requestsPerDay: text(current.limits?.requestsPerDay),
    credits: text(current.credits?.remaining),
    refillAmount: text(current.credits?.refill?.amount),
    refillInterval: current.credits?.refill?.interval ?? 'month',
  };
}

/**
 * The `limits` and `credits` to send for a changed form: only the part that changed, because
 * setting credits starts a fresh count. `{error}` names the field a person must fix.
 */
export function limitsChange(before: LimitsForm, after: LimitsForm): { change: Record<string, unknown> } | { error: string; field: keyof LimitsForm } {
  const whole = (field: keyof LimitsForm): number | undefined | 'bad' => {
    const text = after[field].trim();
    if (!text) return undefined;
    return /^\d+$/.test(text) ? Number(text) : 'bad';
  };
  const fields = ['requestsPerMinute', 'requestsPerDay', 'credits', 'refillAmount'] as const;
  for (const field of fields) if (whole(field) === 'bad') return { error: 'Enter a whole number, or leave it empty for none.', field };
  const change: Record<string, unknown> = {};
  const changed = (...names: (keyof LimitsForm)[]) => names.some((n) => before[n].trim() !== after[n].trim());
  if (changed('requestsPerMinute', 'requestsPerDay')) {
    const limits: UsageLimits = {};
    const perMinute = whole('requestsPerMinute') as number | undefined;
    const perDay = whole('requestsPerDay') as number | undefined;
    if (perMinute !== undefined) limits.requestsPerMinute = perMinute;
    if (perDay !== undefined) limits.requestsPerDay = perDay;
    change.limits = Object.keys(limits).length ? limits : null;
  }
  const refillAmount = whole('refillAmount') as number | undefined;
  if (changed('credits', 'refillAmount') || (refillAmount !== undefined && changed('refillInterval'))) {
    const remaining = whole('credits') as number | undefined;
    if (remaining === undefined && refillAmount !== undefined) return { error: 'Set the credits to start from, or clear the refill.', field: 'credits' };
    change.credits = remaining === undefined ? null : { remaining, ...(refillAmount !== undefined ? { refill: { amount: refillAmount, interval: after.refillInterval } } : {}) };
  }
  return { change };
}


/** The range a verification covers: the search's own, else what the API defaults to (a day before `to`, `to` now). */
export function verifyRange(state: { from?: string; to?: string }, now: Date): { from: string; to: string } {
  const to = state.to ?? now.toISOString();
  const from = state.from ?? new Date(Date.parse(to) - 86_400_000).toISOString();
  return { from, to };
}

/** Kinds that are not tampering: reported, and `ok` stays true (docs/audit.md#verifying). */
const NOT_TAMPERING = new Set(['unfinished']);

/** A verification in words: the verdict line, the counts, and one line per problem with its place. */
export function verificationSummary(report: VerifyReport): { verdict: string; counts: string; problems: Array<{ kind: string; tampering: boolean; text: string }> } {
  const tampering = report.problems.filter((p) => !NOT_TAMPERING.has(p.kind)).length;
  const notes = report.problems.length - tampering;
  const plural = (n: number, one: string, many: string) => `${count(n)} ${n === 1 ? one : many}`;
  const verdict = report.ok
    ? `Verified: no sign of tampering${notes ? ` (${plural(notes, 'note', 'notes')} below)` : ''}.`
    : `Not verified: ${plural(tampering, 'problem', 'problems')} found.`;
  const counts = [
    plural(report.entries, 'entry', 'entries'),
    `in ${plural(report.chains, 'chain', 'chains')}`,
    plural(report.checkpoints, 'signed checkpoint', 'signed checkpoints'),
    `${count(report.pending)} pending (not yet covered by a checkpoint: verify again in a minute)`,
  ];
  return { verdict, counts: `${counts[0]} ${counts[1]}, ${counts[2]}, ${counts[3]}.`, problems: report.problems.map((p) => ({ kind: p.kind, tampering: !NOT_TAMPERING.has(p.kind), text: problemPlace(p) })) };
}

/** Where a problem is: chain, sequence numbers, store, entry; then what it is. */
export function problemPlace(p: VerifyProblem): string {
  const parts: string[] = [];
  if (p.chain) parts.push(`chain ${p.chain}`);
  if (p.seq !== undefined) parts.push(p.toSeq !== undefined && p.toSeq !== p.seq ? `seq ${p.seq}–${p.toSeq}` : `seq ${p.seq}`);
  if (p.store) parts.push(`store ${p.store}`);
  if (p.insertId) parts.push(`entry ${p.insertId}`);
  if (p.timestamp) parts.push(`at ${p.timestamp}`);
  return `${parts.length ? `${parts.join(', ')}: ` : ''}${p.message}`;
}
