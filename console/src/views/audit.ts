/**
 * The audit page: the person's own trail, newest first; auditors and admins also search every
 * user's entries. By default it shows what changed and what was refused; successful access
 * entries (one per authenticated request) appear with "Show every access". The filters live in
 * the URL (`#audit?keyId=…`), so a search can be bookmarked or shared. The current search can be
 * exported as CSV or JSON. Paging follows `nextPageToken`.
 * Auditors also see the search's time range verified against the trail's hash chains and signed
 * checkpoints (`GET /v1/audit/verify`, docs/audit.md#verifying): the verdict, the counts and each
 * problem with its place. The JSON export carries that report, and "Export for verification"
 * downloads `GET /v1/audit/export`'s file, which an auditor checks offline with the public keys.
 * Others see nothing of it: verification is the auditor's, and the API refuses it to anyone else.
 */
import { api, type AuditEntry, type Me } from '../api';
import { announce, busy, clearMessages, field, focusOn, h, showError } from '../dom';
import { auditWaitOf, showAuditWait } from './audit-wait';
import { AUDIT_EVENTS, auditCsv, auditFiltersOf, auditStateToQuery, verificationSummary, verifyRange, type AuditFilters, type AuditUrlState, type VerifyReport } from '../format/audit';
import { localDateTimeIso, when } from '../format/words';

const PAGE_SIZES = [10, 25, 50, 100];
const DEFAULT_PAGE_SIZE = 25;
/** An export reads at most this many entries (10 pages of the API's largest). */
const EXPORT_LIMIT = 10_000;

/** `2026-11-30T10:00:00.000Z` → the `datetime-local` value of that instant in the person's zone. */
const toLocalInput = (iso: string | undefined) => {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

export function renderAudit(root: HTMLElement, me: Me, state: AuditUrlState): void {
  const auditor = me.claims.auditor === true || me.claims.admin === true;
  const uid = h('input', { name: 'uid', autocomplete: 'off', spellcheck: 'false' });
  uid.value = state.uid ?? '';
  const event = h('select', { name: 'event' }, h('option', { value: '' }, 'Any event'), ...AUDIT_EVENTS.map((e) => h('option', { value: e, selected: e === state.event }, e)));
  const keyId = h('input', { name: 'keyId', autocomplete: 'off', spellcheck: 'false' });
  keyId.value = state.keyId ?? '';
  const from = h('input', { name: 'from', type: 'datetime-local' });
  from.value = toLocalInput(state.from);
  const to = h('input', { name: 'to', type: 'datetime-local' });
  to.value = toLocalInput(state.to);
  const pageSize = h('select', { name: 'pageSize' }, ...PAGE_SIZES.map((n) => h('option', { value: n, selected: n === DEFAULT_PAGE_SIZE }, String(n))));
  const access = h('input', { type: 'checkbox', name: 'access', checked: state.access === true });

  const form = h(
    'form',
    { class: 'audit-search', 'aria-labelledby': 'audit-search-heading' },
    h('h2', { id: 'audit-search-heading' }, auditor ? 'Search the audit log' : 'Filter your activity'),
    h(
      'div',
      { class: 'grid' },
      auditor ? field('User ID', uid, 'Leave empty for every user.') : null,
      field('Event', event),
      field('Key ID', keyId),
      field('From', from, 'Your local time.'),
      field('To', to, 'Your local time.'),
      field('Entries per page', pageSize),
    ),
    h('label', { class: 'choice' }, access, ' Show every access (one entry per authenticated request), not only changes and refusals'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Search')),
  );

  const resultsHeading = h('h2', { id: 'audit-results-heading' }, 'Entries');
  const results = h('div', { class: 'table-wrap' });
  const newer = h('button', { type: 'button', disabled: true }, 'Newer entries');
  const older = h('button', { type: 'button', disabled: true }, 'Older entries');
  const pager = h('nav', { class: 'pager', 'aria-label': 'Audit pages' }, newer, older);
  const exportCsv = h('button', { type: 'button' }, 'Export CSV');
  const exportJson = h('button', { type: 'button' }, 'Export JSON');
  const exportVerifiable = auditor ? h('button', { type: 'button' }, 'Export for verification') : null;
  const verification = auditor ? h('section', { class: 'verification', 'aria-labelledby': 'audit-verify-heading' }) : null;

  root.replaceChildren(
    h('h1', {}, auditor ? 'Audit log' : 'Your activity'),
    h('p', {}, auditor ? 'You can read every user’s entries (auditor).' : 'Everything Keyward recorded about your account, newest first.'),
    form,
    ...(verification ? [verification] : []),
    h(
      'section',
      { 'aria-labelledby': 'audit-results-heading' },
      resultsHeading,
      h('div', { class: 'actions export', role: 'group', 'aria-label': 'Export this search' }, exportCsv, exportJson, exportVerifiable),
      results,
      pager,
    ),
  );

  let current: AuditUrlState = state;
  let filters: AuditFilters = auditFiltersOf(state, DEFAULT_PAGE_SIZE);
  /** Page tokens of the pages shown so far: [first page (undefined), second, …]. */
  let pages: (string | undefined)[] = [undefined];
  let nextToken: string | undefined;

  /** Stops the countdown of a read that waits for its budget (audit-wait.ts), when another read replaces it. */
  let stopWaiting: () => void = () => undefined;

  async function load(index: number, moveFocus: boolean): Promise<void> {
    stopWaiting();
    try {
      const page = await api.audit({ ...filters, pageToken: pages[index] });
      pages = pages.slice(0, index + 1);
      nextToken = page.nextPageToken ?? undefined;
      results.replaceChildren(page.entries.length ? table(page.entries, page.users ?? {}) : h('p', {}, 'No entries match.'));
      resultsHeading.textContent = `Entries (page ${index + 1})`;
      newer.disabled = index === 0;
      older.disabled = nextToken === undefined;
      announce(`${page.entries.length} ${page.entries.length === 1 ? 'entry' : 'entries'} on page ${index + 1}.`);
      if (moveFocus) focusOn(resultsHeading);
    } catch (err) {
      const wait = auditWaitOf(err);
      if (wait !== undefined) stopWaiting = showAuditWait(results, wait, () => void load(index, moveFocus));
      else showError((err as Error).message);
    }
  }

  /** Which verification is the latest: an answer to an earlier search is not shown over a later one. */
  let verifying = 0;

  /** Verifies the search's time range (auditors) and shows the report in the verification section. */
  let stopVerifyWait: () => void = () => undefined;

  async function verify(): Promise<void> {
    if (!verification) return;
    stopVerifyWait();
    const mine = ++verifying;
    const range = verifyRange(current, new Date());
    const heading = h('h2', { id: 'audit-verify-heading' }, 'Verification');
    const scope = h('p', { class: 'hint' }, `The whole trail from ${when(range.from, '—', true)} to ${when(range.to, '—', true)}, every user and event (the other filters do not apply), checked against its hash chains and signed checkpoints.`);
    verification.replaceChildren(heading, scope, h('p', { 'aria-live': 'polite' }, 'Verifying…'));
    verification.setAttribute('aria-busy', 'true');
    try {
      const report = await api.verifyAudit(range);
      if (mine !== verifying) return;
      verification.replaceChildren(heading, scope, ...verificationView(report));
    } catch (err) {
      if (mine !== verifying) return;
      const wait = auditWaitOf(err);
      if (wait !== undefined) {
        // Over the read budget: the wait, counted down, then the verification again (audit-wait.ts).
        const holder = h('div', {});
        verification.replaceChildren(heading, scope, holder);
        stopVerifyWait = showAuditWait(holder, wait, () => void verify());
        return;
      }
      verification.replaceChildren(heading, scope, h('p', { class: 'verify-result verify-error', 'aria-live': 'polite' }, `Could not verify this range: ${(err as Error).message}`));
    } finally {
      if (mine === verifying) verification.removeAttribute('aria-busy');
    }
  }

  /** Every entry of the current search (up to EXPORT_LIMIT), downloaded as a file; for auditors, with the range's verification. */
  async function exportAs(format: 'csv' | 'json', button: HTMLButtonElement): Promise<void> {
    clearMessages();
    button.disabled = true;
    try {
      const entries: AuditEntry[] = [];
      const users: Record<string, string> = {};
      let token: string | undefined;
      do {
        const page = await api.audit({ ...filters, pageSize: 1000, pageToken: token });
        entries.push(...page.entries);
        Object.assign(users, page.users ?? {});
        token = page.nextPageToken ?? undefined;
      } while (token && entries.length < EXPORT_LIMIT);
      let text: string;
      if (format === 'csv') text = auditCsv(entries, users);
      else {
        // The report of the range the entries came from, verified now (so it covers them all).
        const range = auditor ? verifyRange(current, new Date()) : undefined;
        const verification = range ? { ...range, ...(await api.verifyAudit(range)) } : undefined;
        text = `${JSON.stringify({ filters: current, exportedAt: new Date().toISOString(), users, entries, verification }, null, 2)}\n`;
      }
      save(text, format === 'csv' ? 'text/csv' : 'application/json', format);
      announce(`Exported ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} as ${format.toUpperCase()}${token ? ` (the first ${EXPORT_LIMIT}; narrow the search for the rest)` : ''}.`);
    } catch (err) {
      showError((err as Error).message);
    } finally {
      button.disabled = false;
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearMessages();
    const fromIso = localDateTimeIso(from.value);
    const toIso = localDateTimeIso(to.value);
    if (fromIso && toIso && fromIso > toIso) {
      showError('“From” must be before “To”.');
      return;
    }
    current = {
      uid: auditor ? uid.value.trim() || undefined : undefined,
      event: event.value || undefined,
      keyId: keyId.value.trim() || undefined,
      from: fromIso,
      to: toIso,
      access: access.checked || undefined,
    };
    // The search goes into the URL (no reload): bookmarkable, and Back returns to the previous one.
    history.pushState(null, '', `#audit${auditStateToQuery(current)}`);
    filters = auditFiltersOf(current, Number(pageSize.value));
    pages = [undefined];
    void busy(form, () => load(0, true));
    void verify();
  });
  older.addEventListener('click', () => {
    if (nextToken === undefined) return;
    pages.push(nextToken);
    void load(pages.length - 1, true);
  });
  newer.addEventListener('click', () => void load(Math.max(0, pages.length - 2), true));
  exportCsv.addEventListener('click', () => void exportAs('csv', exportCsv));
  exportJson.addEventListener('click', () => void exportAs('json', exportJson));
  exportVerifiable?.addEventListener('click', () => void exportForVerification(exportVerifiable));

  /** `GET /v1/audit/export`'s file for the search's range: entries, checkpoints of both stores, Keyward's own report. */
  async function exportForVerification(button: HTMLButtonElement): Promise<void> {
    clearMessages();
    button.disabled = true;
    try {
      const file = await api.exportAudit(verifyRange(current, new Date()));
      save(`${JSON.stringify(file, null, 2)}\n`, 'application/json', 'verifiable.json');
      announce(`Exported ${(file.entries as unknown[]).length} entries with their checkpoints: check the file with npm run audit:verify and the public keys (/.well-known/audit-jwks.json).`);
    } catch (err) {
      showError((err as Error).message);
    } finally {
      button.disabled = false;
    }
  }

  void load(0, false);
  void verify();
}

/** Downloads `text` as a file named after the time. */
function save(text: string, type: string, suffix: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h('a', { href: url, download: `keyward-audit-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.${suffix}` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The verdict, the counts, and each problem with its place (tampering apart from notes). */
function verificationView(report: VerifyReport): HTMLElement[] {
  const summary = verificationSummary(report);
  const out: HTMLElement[] = [
    h('p', { class: `verify-result ${report.ok ? 'verify-ok' : 'verify-bad'}`, 'data-ok': String(report.ok), 'aria-live': 'polite' }, summary.verdict),
    h('p', { class: 'verify-counts' }, summary.counts),
  ];
  if (summary.problems.length) {
    out.push(
      h(
        'ul',
        { class: 'verify-problems', 'aria-label': 'Problems found' },
        ...summary.problems.map((p) => h('li', { 'data-kind': p.kind, class: p.tampering ? 'tampering' : 'note' }, h('strong', {}, p.kind), ' ', p.text)),
      ),
    );
  }
  return out;
}

/** A uid as a person reads it: the email where known, the uid beside it. */
function who(uid: string | undefined, users: Record<string, string>): Node | string {
  if (!uid) return '';
  const email = users[uid];
  return email ? h('span', { class: 'who-cell' }, email, ' ', h('code', { class: 'uid' }, uid)) : h('code', { class: 'uid' }, uid);
}

function table(entries: AuditEntry[], users: Record<string, string>): HTMLElement {
  const head = ['Time', 'Event', 'Outcome', 'Actor', 'Target', 'Request', 'Reason'];
  return h(
    'table',
    { class: 'audit responsive' },
    h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, ...entries.map((e) => row(e, users))),
  );
}

function row(entry: AuditEntry, users: Record<string, string>): HTMLElement {
  const words = (parts: unknown[]) => parts.filter(Boolean).join(' ');
  const actor = words([entry.actor?.method && `(${entry.actor.method})`, entry.actor?.keyId && `key ${entry.actor.keyId}`]);
  const target = words([entry.target?.keyId && `key ${entry.target.keyId}`, entry.target?.role && `role ${entry.target.role}`]);
  const request = words([entry.request?.method, entry.request?.path, entry.request?.ip && `from ${entry.request.ip}`]) || '—';
  const cell = (label: string, ...content: (Node | string)[]) => h('td', { 'data-label': label }, ...content);
  return h(
    'tr',
    { 'data-event': entry.event },
    cell('Time', h('time', { datetime: entry.timestamp }, when(entry.timestamp, '—', true))),
    cell('Event', entry.event),
    cell('Outcome', h('span', { class: `outcome outcome-${entry.outcome}` }, entry.outcome)),
    cell('Actor', who(entry.actor?.uid, users), entry.actor?.uid && actor ? ' ' : '', actor || (entry.actor?.uid ? '' : '—')),
    cell('Target', entry.target?.uid ? h('span', {}, 'user ', who(entry.target.uid, users)) : '', entry.target?.uid && target ? ' ' : '', target || (entry.target?.uid ? '' : '—')),
    h('td', { 'data-label': 'Request', title: entry.request?.userAgent ?? '' }, request),
    cell('Reason', entry.reason ?? ''),
  );
}
