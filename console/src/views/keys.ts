/** The keys page: usage of all keys at a glance, the list, and creating a key. */
import { api, type KeyView, type KeyWithSecret, type Me, type UsageReport } from '../api';
import { focusOn, h, showError } from '../dom';
import { count, when, whenDay } from '../format';
import { usageChart, usageTotals } from './chart';
import { createForm } from './create-key';
import { keyActions } from './key-actions';
import { showSecret } from './secret';

/** Status words for people; the badge class carries the colour. */
export function statusText(key: KeyView): string {
  const base = key.status === 'disabled' ? 'paused' : key.status;
  return key.previousSecretValidUntil ? `${base} (old secret works until ${when(key.previousSecretValidUntil)})` : base;
}

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
  root.replaceChildren(
    h('h1', {}, 'API keys'),
    secretSlot,
    h('section', { 'aria-labelledby': 'usage-heading', class: 'overview' }, h('h2', { id: 'usage-heading' }, 'Usage, last 30 days'), overview),
    h('section', { 'aria-labelledby': 'keys-heading' }, listHeading, list),
    createForm(me, async (key) => {
      await refresh();
      showNewSecret(secretSlot, key);
    }),
  );

  async function refresh(): Promise<void> {
    try {
      const [{ keys }, usage] = await Promise.all([api.listKeys(), api.usage().catch(() => undefined)]);
      list.replaceChildren(keys.length ? table(keys, usage) : h('p', {}, 'You have no keys yet: create one below.'));
      overview.replaceChildren(...(usage ? [usageTotals(usage), usageChart(usage, 'Requests with all your keys per day')] : [h('p', {}, 'Usage is not available right now.')]));
    } catch (err) {
      showError((err as Error).message);
    }
  }

  function table(keys: KeyView[], usage: UsageReport | undefined): HTMLElement {
    const perKey = new Map(usage?.keys.map((k) => [k.keyId, k]) ?? []);
    const head = ['Name and ID', 'Type', 'Status', 'Requests (30 days)', 'Last used', 'Expires', 'Actions'];
    return h(
      'table',
      { class: 'keys responsive' },
      h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ...keys.map((k) => row(k, perKey.get(k.id)?.requests ?? 0))),
    );
  }

  function row(key: KeyView, requests: number): HTMLElement {
    const cell = (label: string, ...content: (Node | string)[]) => h('td', { 'data-label': label }, ...content);
    return h(
      'tr',
      { 'data-key-id': key.id },
      h('th', { scope: 'row' }, h('a', { href: `#keys/${key.id}` }, key.name), h('br'), h('code', { class: 'uid' }, key.id)),
      cell('Type', key.type),
      cell('Status', h('span', { class: `badge badge-${key.status}` }, statusText(key))),
      cell('Requests (30 days)', count(requests)),
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
}
