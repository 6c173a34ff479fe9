/** Values in words and form input read: dates and times, numbers, lists, sign-in errors. Pure: no DOM, no network. */
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

/** `1234567` → `1,234,567` in the person's locale. */
export const count = (n: number): string => n.toLocaleString();

/** A short day label for charts: `30 Nov`. */
export function dayLabel(day: string): string {
  const at = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(at.getTime()) ? day : at.toLocaleDateString(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

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
