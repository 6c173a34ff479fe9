/** The keys page: usage of all keys at a glance, the list, creating a key, and the person's own limits over all of them. */
import { api, type KeyView, type KeyWithSecret, type Me, type UsageReport } from '../api';
import { focusOn, h, showError } from '../dom';
import { statusText } from '../format/keys';
import { count, when, whenDay } from '../format/words';
import { usageChart, usageTotals } from './chart';
import { createForm } from './create-key';
import { keyActions } from './key-actions';
import { limitsForm, limitsSummary } from './limits';
import { showSecret } from './secret';


export function showNewSecret(slot: HTMLElement, result: KeyWithSecret, regenerated = false): void {
  showSecret(slot, {
    title: regenerated ? `New key for “${result.name}”` : `New key “${result.name}”`,
    keyName: result.name,
    keyId: result.id,
    key: result.key,
    signingSecret: result.signingSecret,
  });
}

export function renderKeys(root: HTMLElement, me: Me): void {
  const secretSlot = h('div');
  const listHeading = h('h2', { id: 'keys-heading' }, 'Your keys');
  const list = h('div', { class: 'table-wrap' }, h('p', {}, 'Loading keys…'));
  const overview = h('div', {}, h('p', {}, 'Loading usage…'));
  const ownLimits = h('div', {}, h('p', {}, 'Loading your limits…'));
  root.replaceChildren(
    h('h1', {}, 'API keys'),
    secretSlot,
    h('section', { 'aria-labelledby': 'usage-heading', class: 'overview' }, h('h2', { id: 'usage-heading' }, 'Usage, last 30 days'), overview),
    h('section', { 'aria-labelledby': 'keys-heading' }, listHeading, list),
    createForm(me, async (key) => {
      await refresh();
      showNewSecret(secretSlot, key);
    }),
    h('section', { 'aria-labelledby': 'own-limits-heading' }, h('h2', { id: 'own-limits-heading' }, 'Limits for all your keys'), ownLimits),
  );

  /** The person's own limits: every request of every key counts against them too, and the tighter limit wins. */
  async function showOwnLimits(): Promise<void> {
    try {
      const current = await api.ownerLimits();
      ownLimits.replaceChildren(
        limitsSummary(current, 'No limit'),
        limitsForm({
          id: 'own-limits',
          title: 'Change your limits',
          hint: 'Shared by all your keys, on top of each key’s own.',
          current,
          save: async (change) => {
            await api.updateOwnerLimits(change);
            await showOwnLimits();
          },
          saved: 'Your limits are saved.',
        }),
      );
    } catch (err) {
      ownLimits.replaceChildren(h('p', {}, `Your limits are not available: ${(err as Error).message}`));
    }
  }

  /**
   * The list first, then usage (another call, possibly a cold function) fills in the overview and
   * each row's count in place: the rows, and any focus in them, stay as they are.
   */
  async function refresh(): Promise<void> {
    try {
      const { keys } = await api.listKeys();
      list.replaceChildren(keys.length ? table(keys) : h('p', {}, 'You have no keys yet: create one below.'));
    } catch (err) {
      showError((err as Error).message);
      return;
    }
    void api
      .usage()
      .then((usage) => {
        overview.replaceChildren(usageTotals(usage), usageChart(usage, 'Requests with all your keys per day'));
        fillCounts(usage);
      })
      .catch(() => overview.replaceChildren(h('p', {}, 'Usage is not available right now.')));
  }

  function fillCounts(usage: UsageReport): void {
    const perKey = new Map(usage.keys.map((k) => [k.keyId, k.requests]));
    for (const cell of list.querySelectorAll<HTMLElement>('td[data-usage-for]')) cell.textContent = count(perKey.get(cell.dataset.usageFor!) ?? 0);
  }

  function table(keys: KeyView[]): HTMLElement {
    const head = ['Name and ID', 'Type', 'Status', 'Requests (30 days)', 'Last used', 'Expires', 'Actions'];
    return h(
      'table',
      { class: 'keys responsive' },
      h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ...keys.map(row)),
    );
  }

  function row(key: KeyView): HTMLElement {
    const cell = (label: string, ...content: (Node | string)[]) => h('td', { 'data-label': label }, ...content);
    return h(
      'tr',
      { 'data-key-id': key.id },
      h('th', { scope: 'row' }, h('a', { href: `#keys/${key.id}` }, key.name), h('br'), h('code', { class: 'uid' }, key.id)),
      cell('Type', key.type),
      cell('Status', h('span', { class: `badge badge-${key.status}` }, statusText(key))),
      h('td', { 'data-label': 'Requests (30 days)', 'data-usage-for': key.id }, '…'),
      cell('Last used', when(key.lastUsedAt)),
      cell('Expires', whenDay(key.expiresAt)),
      h(
        'td',
        { class: 'row-actions', 'data-label': 'Actions' },
        ...keyActions(key, { changed: refresh, secret: (r) => showNewSecret(secretSlot, r, true), afterRevoke: () => focusOn(listHeading) }),
      ),
    );
  }

  void refresh();
  void showOwnLimits();
}
