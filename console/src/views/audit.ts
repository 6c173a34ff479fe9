/**
 * The audit page: the person's own trail, newest first; auditors and admins also search every
 * user's entries. Paging follows `nextPageToken`; the tokens of earlier pages are kept for "Newer".
 */
import { api, type AuditEntry, type Me } from '../api';
import { announce, busy, clearMessages, field, focusOn, h, showError } from '../dom';
import { AUDIT_EVENTS, localDateTimeIso, when, type AuditFilters } from '../format';

const PAGE_SIZES = [10, 25, 50, 100];
const DEFAULT_PAGE_SIZE = 25;

export function renderAudit(root: HTMLElement, me: Me): void {
  const auditor = me.claims.auditor === true || me.claims.admin === true;
  const uid = h('input', { name: 'uid', autocomplete: 'off', spellcheck: 'false' });
  const event = h('select', { name: 'event' }, h('option', { value: '' }, 'Any event'), ...AUDIT_EVENTS.map((e) => h('option', { value: e }, e)));
  const keyId = h('input', { name: 'keyId', autocomplete: 'off', spellcheck: 'false' });
  const from = h('input', { name: 'from', type: 'datetime-local' });
  const to = h('input', { name: 'to', type: 'datetime-local' });
  const pageSize = h('select', { name: 'pageSize' }, ...PAGE_SIZES.map((n) => h('option', { value: n, selected: n === DEFAULT_PAGE_SIZE }, String(n))));

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
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Search')),
  );

  const resultsHeading = h('h2', { id: 'audit-results-heading' }, 'Entries');
  const results = h('div', { class: 'table-wrap' });
  const newer = h('button', { type: 'button', disabled: true }, 'Newer entries');
  const older = h('button', { type: 'button', disabled: true }, 'Older entries');
  const pager = h('nav', { class: 'pager', 'aria-label': 'Audit pages' }, newer, older);

  root.replaceChildren(
    h('h1', {}, auditor ? 'Audit log' : 'Your activity'),
    h('p', {}, auditor ? 'You can read every user’s entries (auditor).' : 'Everything Keyward recorded about your account, newest first.'),
    form,
    h('section', { 'aria-labelledby': 'audit-results-heading' }, resultsHeading, results, pager),
  );

  let filters: AuditFilters = {};
  /** Page tokens of the pages shown so far: [first page (undefined), second, …]. */
  let pages: (string | undefined)[] = [undefined];
  let nextToken: string | undefined;

  async function load(index: number, moveFocus: boolean): Promise<void> {
    try {
      const page = await api.audit({ ...filters, pageToken: pages[index] });
      pages = pages.slice(0, index + 1);
      nextToken = page.nextPageToken ?? undefined;
      results.replaceChildren(page.entries.length ? table(page.entries) : h('p', {}, 'No entries match.'));
      resultsHeading.textContent = `Entries (page ${index + 1})`;
      newer.disabled = index === 0;
      older.disabled = nextToken === undefined;
      announce(`${page.entries.length} ${page.entries.length === 1 ? 'entry' : 'entries'} on page ${index + 1}.`);
      if (moveFocus) focusOn(resultsHeading);
    } catch (err) {
      showError((err as Error).message);
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
    filters = {
      uid: auditor ? uid.value.trim() : undefined,
      event: event.value,
      keyId: keyId.value.trim(),
      from: fromIso,
      to: toIso,
      pageSize: Number(pageSize.value),
    };
    pages = [undefined];
    void busy(form, () => load(0, true));
  });
  older.addEventListener('click', () => {
    if (nextToken === undefined) return;
    pages.push(nextToken);
    void load(pages.length - 1, true);
  });
  newer.addEventListener('click', () => void load(Math.max(0, pages.length - 2), true));

  filters = { pageSize: DEFAULT_PAGE_SIZE };
  void load(0, false);
}

function table(entries: AuditEntry[]): HTMLElement {
  const head = ['Time', 'Event', 'Outcome', 'Actor', 'Target', 'Request', 'Reason'];
  return h(
    'table',
    { class: 'audit' },
    h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, ...entries.map(row)),
  );
}

function row(entry: AuditEntry): HTMLElement {
  const actor = [entry.actor?.uid, entry.actor?.method && `(${entry.actor.method})`, entry.actor?.keyId && `key ${entry.actor.keyId}`];
  const target = [entry.target?.uid && `user ${entry.target.uid}`, entry.target?.keyId && `key ${entry.target.keyId}`, entry.target?.role && `role ${entry.target.role}`];
  const request = [entry.request?.method, entry.request?.path, entry.request?.ip && `from ${entry.request.ip}`];
  const words = (parts: unknown[]) => parts.filter(Boolean).join(' ') || '—';
  return h(
    'tr',
    { 'data-event': entry.event },
    h('td', {}, h('time', { datetime: entry.timestamp }, when(entry.timestamp, '—', true))),
    h('td', {}, entry.event),
    h('td', {}, h('span', { class: `outcome outcome-${entry.outcome}` }, entry.outcome)),
    h('td', {}, words(actor)),
    h('td', {}, words(target)),
    h('td', { title: entry.request?.userAgent ?? '' }, words(request)),
    h('td', {}, entry.reason ?? ''),
  );
}
