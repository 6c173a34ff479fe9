/** The keys page: the list, creation, regeneration with a grace period, revocation. */
import { api, type KeyView } from '../api';
import { announce, ask, busy, clearMessages, field, focusOn, h, showError } from '../dom';
import { GRACE_PERIODS, createKeyBody, tomorrow, when } from '../format';
import { showSecret } from './secret';

const TYPE_HINT = 'Server keys are for your backend; web keys work only from their allowed origins; mobile keys are for apps.';

export function renderKeys(root: HTMLElement): void {
  const secretSlot = h('div');
  const listHeading = h('h2', { id: 'keys-heading' }, 'Your keys');
  const list = h('div', { class: 'table-wrap' }, h('p', {}, 'Loading keys…'));
  root.replaceChildren(
    h('h1', {}, 'API keys'),
    secretSlot,
    createForm(secretSlot, refresh),
    h('section', { 'aria-labelledby': 'keys-heading' }, listHeading, list),
  );

  async function refresh(): Promise<void> {
    try {
      const { keys } = await api.listKeys();
      list.replaceChildren(keys.length ? table(keys) : h('p', {}, 'You have no keys yet.'));
    } catch (err) {
      showError((err as Error).message);
    }
  }

  function table(keys: KeyView[]): HTMLElement {
    const head = ['Name', 'Type', 'ID', 'Created', 'Expires', 'Last used', 'Status', 'Actions'];
    return h(
      'table',
      {},
      h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ...keys.map(row)),
    );
  }

  function row(key: KeyView): HTMLElement {
    const status = key.previousSecretValidUntil ? `${key.status} (old secret works until ${when(key.previousSecretValidUntil)})` : key.status;
    const actions = h('td', { class: 'row-actions' });
    if (key.status === 'active') {
      actions.append(
        h('button', { type: 'button', 'aria-label': `Regenerate ${key.name}`, onclick: (e) => void regenerate(key, e.currentTarget as HTMLElement) }, 'Regenerate'),
        h('button', { type: 'button', class: 'danger', 'aria-label': `Revoke ${key.name}`, onclick: (e) => void revoke(key, e.currentTarget as HTMLElement) }, 'Revoke'),
      );
    }
    return h(
      'tr',
      { 'data-key-id': key.id },
      h('th', { scope: 'row' }, key.name),
      h('td', {}, key.type),
      h('td', {}, h('code', {}, key.id)),
      h('td', {}, when(key.createdAt)),
      h('td', {}, when(key.expiresAt)),
      h('td', {}, when(key.lastUsedAt)),
      h('td', {}, h('span', { class: `badge badge-${key.status}` }, status)),
      actions,
    );
  }

  async function revoke(key: KeyView, trigger: HTMLElement): Promise<void> {
    const confirmed = await ask({
      title: `Revoke “${key.name}”?`,
      body: [h('p', {}, `Every request with this key is refused from now on (key ID ${key.id}). This cannot be undone.`)],
      confirm: 'Revoke key',
      danger: true,
      returnTo: () => trigger,
    });
    if (!confirmed) return;
    try {
      await api.revokeKey(key.id);
      await refresh();
      announce(`Key “${key.name}” revoked.`);
      focusOn(listHeading);
    } catch (err) {
      showError((err as Error).message);
    }
  }

  async function regenerate(key: KeyView, trigger: HTMLElement): Promise<void> {
    const grace = h('select', { name: 'gracePeriod' }, ...GRACE_PERIODS.map((g) => h('option', { value: g.seconds }, g.label)));
    const values = await ask({
      title: `Regenerate “${key.name}”?`,
      body: [
        h('p', {}, 'The key keeps its ID and settings and gets a new secret. Update your clients with the new key.'),
        field('Keep the old key working for', grace),
      ],
      confirm: 'Regenerate key',
      returnTo: () => trigger,
    });
    if (!values) return;
    try {
      const result = await api.regenerateKey(key.id, Number(values.get('gracePeriod')));
      await refresh();
      showSecret(secretSlot, { title: `New key for “${result.name}”`, keyName: result.name, key: result.key, signingSecret: result.signingSecret });
      announce(`Key “${result.name}” regenerated.`);
    } catch (err) {
      showError((err as Error).message);
    }
  }

  void refresh();
}

function createForm(secretSlot: HTMLElement, refresh: () => Promise<void>): HTMLElement {
  const name = h('input', { name: 'name', required: true, maxlength: 100, autocomplete: 'off' });
  const type = h('select', { name: 'type' }, h('option', { value: 'server' }, 'server'), h('option', { value: 'web' }, 'web'), h('option', { value: 'mobile' }, 'mobile'));
  const expiresOn = h('input', { name: 'expiresOn', type: 'date', min: tomorrow(new Date()) });
  const origins = h('textarea', { name: 'allowedOrigins', rows: 2, autocomplete: 'off', spellcheck: 'false' });
  const ips = h('textarea', { name: 'allowedIps', rows: 2, autocomplete: 'off', spellcheck: 'false' });
  const scopes = h('input', { name: 'scopes', autocomplete: 'off', spellcheck: 'false' });
  const form = h(
    'form',
    { class: 'create-key', 'aria-labelledby': 'create-heading' },
    h('h2', { id: 'create-heading' }, 'Create a key'),
    h(
      'div',
      { class: 'grid' },
      field('Name', name, 'For you to recognise it, like “billing backend”.'),
      field('Type', type, TYPE_HINT),
      field('Expires on', expiresOn, 'Leave empty for the default expiry (180 days unless your project changed it).'),
      field('Scopes', scopes, 'Separated by spaces or commas. Leave empty to let the key do what you may do.'),
      field('Allowed origins', origins, 'One per line, like https://app.example.com. Web keys need at least one.'),
      field('Allowed IP addresses', ips, 'Addresses or CIDR ranges, one per line. Leave empty to allow any address.'),
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create key')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearMessages();
    void busy(form, async () => {
      try {
        const body = createKeyBody({
          name: name.value,
          type: type.value,
          expiresOn: expiresOn.value,
          allowedOrigins: origins.value,
          allowedIps: ips.value,
          scopes: scopes.value,
        });
        const created = await api.createKey(body);
        form.reset();
        await refresh();
        showSecret(secretSlot, { title: `New key “${created.name}”`, keyName: created.name, key: created.key, signingSecret: created.signingSecret });
        announce(`Key “${created.name}” created.`);
      } catch (err) {
        showError((err as Error).message);
      }
    });
  });
  return form;
}
