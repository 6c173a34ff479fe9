/**
 * The notifications page: where the person's webhook points (set it, and see whether Keyward
 * disabled it), and the delivery log, newest first: each delivery's event, key, state, attempts
 * (time, HTTP status or error) and next attempt, with a Retry button for a failed or disabled one
 * (`POST /v1/notifications/deliveries/{id}/retry`). A new webhook secret is shown once, in the page
 * only. Auditors see only their own deliveries here; everyone's are in the API.
 */
import { api, ApiError, type Delivery } from '../api';
import { announce, busy, clearMessages, field, h, showError } from '../dom';
import { when } from '../format/words';

const COLUMNS = ['Event', 'Key', 'Endpoint', 'State', 'Attempts', 'Next attempt', 'Actions'];
const STATE_LABEL: Record<Delivery['state'], string> = { pending: 'Pending', delivered: 'Delivered', failed: 'Failed', disabled: 'Not sent: webhook disabled' };

function attemptText(a: Delivery['attempts'][number]): string {
  return `${when(a.at, '', true)}: ${a.status !== undefined ? `HTTP ${a.status}` : a.error} (${a.durationMs} ms)`;
}

export function renderNotifications(root: HTMLElement): void {
  const url = h('input', { name: 'url', type: 'url', autocomplete: 'off', spellcheck: 'false', placeholder: 'https://hooks.example.com/keyward' });
  const state = h('p', { class: 'hint', 'data-webhook-state': '' }, 'Loading…');
  const secret = h('div', { class: 'webhook-secret' });
  const form = h(
    'form',
    { class: 'webhook', 'aria-labelledby': 'webhook-heading', novalidate: true },
    h('h2', { id: 'webhook-heading' }, 'Webhook'),
    state,
    field('Webhook URL', url, 'https, a public host. Keyward signs each delivery (Standard Webhooks) and retries until it is delivered.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save webhook')),
    secret,
  );
  const list = h('tbody', {});
  const log = h(
    'section',
    { 'aria-labelledby': 'deliveries-heading' },
    h('h2', { id: 'deliveries-heading' }, 'Delivery log'),
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => void load() }, 'Refresh')),
    h('div', { class: 'table-wrap' }, h('table', { class: 'deliveries responsive' }, h('thead', {}, h('tr', {}, ...COLUMNS.map((t) => h('th', { scope: 'col' }, t)))), list)),
  );
  root.replaceChildren(h('h1', {}, 'Notifications'), form, log);

  async function loadWebhook(): Promise<void> {
    try {
      const hook = await api.webhook();
      url.value = hook.url;
      state.textContent = hook.disabledAt ? `Disabled on ${when(hook.disabledAt)}: ${hook.disabledReason}. Save it again to enable it.` : `Set on ${when(hook.updatedAt)}.`;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) state.textContent = 'No webhook is set: notices go by mail only.';
      else showError((err as Error).message);
    }
  }

  function row(d: Delivery): HTMLElement {
    const retry = h('button', { type: 'button', 'data-retry': d.id, 'aria-label': `Retry the ${d.event} delivery of ${d.keyId}` }, 'Retry');
    retry.addEventListener('click', () => {
      clearMessages();
      retry.disabled = true;
      api.retryDelivery(d.id).then(
        () => {
          announce(`Delivery ${d.id} is being retried.`);
          void load();
        },
        (err: Error) => {
          retry.disabled = false;
          showError(err.message);
        },
      );
    });
    return h(
      'tr',
      { 'data-delivery': d.id },
      h('td', { 'data-label': 'Event' }, d.event),
      h('td', { 'data-label': 'Key' }, h('a', { href: `#keys/${d.keyId}` }, d.keyId)),
      h('td', { 'data-label': 'Endpoint' }, d.endpoint),
      h('td', { 'data-label': 'State', 'data-state': d.state }, STATE_LABEL[d.state]),
      h('td', { 'data-label': 'Attempts' }, d.attempts.length ? h('ol', { class: 'attempts' }, ...d.attempts.map((a) => h('li', {}, attemptText(a)))) : 'None'),
      h('td', { 'data-label': 'Next attempt' }, when(d.nextRetryAt, '—')),
      h('td', { class: 'row-actions' }, d.state === 'failed' || d.state === 'disabled' ? retry : ''),
    );
  }

  async function load(): Promise<void> {
    try {
      const page = await api.deliveries();
      list.replaceChildren(...(page.deliveries.length ? page.deliveries.map(row) : [h('tr', {}, h('td', { colspan: 7 }, 'No deliveries yet.'))]));
    } catch (err) {
      showError((err as Error).message);
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearMessages();
    void busy(form, () => api.setWebhook(url.value.trim()).then((set) => set, (err: Error) => err)).then((result) => {
      if (result instanceof Error) return showError(result.message);
      const shown = h('input', { type: 'text', readonly: true, autocomplete: 'off', spellcheck: 'false', class: 'secret' });
      shown.value = result.secret;
      secret.replaceChildren(field('Signing secret (shown this once)', shown, 'Verify deliveries with it; the previous secret keeps signing beside it for 24 hours.'));
      announce('The webhook is saved. Copy its signing secret now: it is not shown again.');
      void loadWebhook();
    });
  });

  void loadWebhook();
  void load();
}
