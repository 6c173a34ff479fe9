/**
 * `<keyward-api-keys>`: the signed-in user's API keys (or a team's, with `team`) inside any page.
 * Lists them with their usage, creates them, shows a new secret once in a modal dialog, and
 * regenerates, pauses and revokes. Plain DOM in a shadow root, no framework; the words, form
 * rules and key actions are the console's own (console/src/format.ts, dom.ts, views/create-key.ts).
 */
import type { KeyView, KeyWithSecret } from '../../console/src/api';
import { ask, clearFieldErrors, field, focusOn, h, setFieldError } from '../../console/src/dom';
import { ACTION_LABELS, fieldOfError, GRACE_PERIODS, heldScopes, keyActionsFor, statusText, type KeyAction } from '../../console/src/format/keys';
import { count, when, whenDay } from '../../console/src/format/words';
import { keyFields } from '../../console/src/views/create-key';
import { canCreateTeamKeys, canManageTeamKey, roleOf } from '../../console/src/team-rules';
import { keysApi, type IdTokenSource, type KeysApi } from './client';
import { STYLES } from './styles';

/** What `keyward-change` says happened; `key` is the key's view, never its secret. */
export type ChangeAction = 'created' | 'regenerated' | 'paused' | 'resumed' | 'revoked';

// Loading this module where there is no DOM (a framework rendering on the server) defines nothing.
const Base = (typeof HTMLElement === 'undefined' ? class {} : HTMLElement) as typeof HTMLElement;

let sheet: CSSStyleSheet | undefined;
function styles(): CSSStyleSheet {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLES);
  }
  return sheet;
}

export class KeywardApiKeys extends Base {
  static observedAttributes = ['api', 'team'];

  readonly #root: ShadowRoot;
  #getIdToken: IdTokenSource | undefined;
  /** Moves on at each load: an answer to an older one is dropped (the attributes or the user changed). */
  #generation = 0;
  #scheduled = false;
  #scopesShown: string | undefined;
  readonly #status = h('p', { role: 'status', part: 'status' });
  readonly #alert = h('p', { role: 'alert', part: 'error' });
  readonly #formSlot = h('div');
  readonly #listHeading = h('h2', { part: 'heading', tabindex: -1 }, 'API keys');
  readonly #list = h('div', { class: 'table-wrap' });

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: 'open' });
    this.#root.adoptedStyleSheets = [styles()];
    this.#root.append(this.#status, this.#alert, this.#formSlot, h('section', { 'aria-label': 'API keys' }, this.#listHeading, this.#list));
  }

  /** The API's base URL; empty (the default) is this page's own origin. */
  get api(): string {
    return this.getAttribute('api') ?? '';
  }
  set api(value: string) {
    this.setAttribute('api', value);
  }

  /** A team id: the team's keys instead of the user's. */
  get team(): string | null {
    return this.getAttribute('team');
  }
  set team(value: string | null) {
    if (value) this.setAttribute('team', value);
    else this.removeAttribute('team');
  }

  /**
   * From another origin: returns the signed-in user's Firebase ID token (for example
   * `() => auth.currentUser.getIdToken()`); the element sends it as `Authorization: Bearer`.
   * Unset: the same site's `__session` cookie.
   */
  get getIdToken(): IdTokenSource | undefined {
    return this.#getIdToken;
  }
  set getIdToken(source: IdTokenSource | undefined) {
    this.#getIdToken = typeof source === 'function' ? source : undefined;
    this.#schedule();
  }

  connectedCallback(): void {
    // A framework may set the property before this module defined the element: take it over.
    if (Object.prototype.hasOwnProperty.call(this, 'getIdToken')) {
      const own = (this as unknown as { getIdToken: IdTokenSource }).getIdToken;
      delete (this as unknown as { getIdToken?: IdTokenSource }).getIdToken;
      this.getIdToken = own;
    }
    this.#schedule();
  }

  attributeChangedCallback(_name: string, before: string | null, after: string | null): void {
    if (before !== after) this.#schedule();
  }

  /** Loads the keys again (after a change made elsewhere, or a new sign-in). */
  async refresh(): Promise<void> {
    const generation = ++this.#generation;
    const api = this.#api();
    try {
      const [rights, keys] = await Promise.all([this.#rights(api), api.list()]);
      if (generation !== this.#generation) return;
      this.#showForm(rights.scopes);
      this.#showList(keys, rights.manage);
      // Usage fills in afterwards: whoever awaits the refresh (an action moving the focus) need not wait for it.
      void this.#fillUsage(api, generation);
    } catch (err) {
      if (generation !== this.#generation) return;
      const status = (err as { status?: number }).status;
      if (status === 401) {
        this.#formSlot.replaceChildren();
        this.#scopesShown = undefined;
        this.#list.replaceChildren(h('p', { class: 'muted' }, 'Sign in to manage your API keys.'));
      }
      this.#fail(err);
    }
  }

  /** Loads once, after whatever else the page sets in the same task (attributes, getIdToken). */
  #schedule(): void {
    if (this.#scheduled || !this.isConnected) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      if (this.isConnected) void this.refresh();
    });
  }

  async #fillUsage(api: KeysApi, generation: number): Promise<void> {
    const usage = await api.usage().catch(() => undefined);
    if (generation !== this.#generation) return;
    const perKey = new Map(usage?.keys.map((k) => [k.keyId, k.requests]) ?? []);
    for (const cell of this.#root.querySelectorAll<HTMLElement>('td[data-usage-for]')) {
      cell.textContent = usage ? count(perKey.get(cell.dataset.usageFor!) ?? 0) : '–';
    }
  }

  #api(): KeysApi {
    return keysApi({ base: this.api, getIdToken: this.#getIdToken, team: this.team ?? undefined });
  }

  #announce(message: string): void {
    this.#alert.textContent = '';
    this.#status.textContent = message;
  }

  #fail(err: unknown): void {
    const { status = 0, code = 'internal', message = 'Something went wrong.' } = err as { status?: number; code?: string; message?: string };
    this.#status.textContent = '';
    this.#alert.textContent = message;
    this.dispatchEvent(new CustomEvent('keyward-error', { detail: { status, code, message }, bubbles: true, composed: true }));
  }

  #changed(action: ChangeAction, key: KeyView | KeyWithSecret): void {
    const { key: _key, signingSecret: _secret, ...view } = key as KeyWithSecret;
    this.dispatchEvent(new CustomEvent('keyward-change', { detail: { action, key: view }, bubbles: true, composed: true }));
  }

  /**
   * What I may do here. `scopes`: what a new key may take; with `team`, the team's grants (a team
   * key acts with them, never with my own claims), otherwise my claims (`/v1/me`); undefined: I
   * may not create keys here (a team's auditor). `manage`: the keys whose actions I am offered (a
   * team's developer: those they created), by the console's rules (the API decides either way).
   */
  async #rights(api: KeysApi): Promise<{ scopes: string[] | undefined; manage: (key: KeyView) => boolean }> {
    if (!this.team) return { scopes: heldScopes((await api.me()).claims), manage: () => true };
    const [me, team] = await Promise.all([api.me(), api.team(this.team)]);
    const role = roleOf(team.role) ?? 'auditor'; // a role this element does not know only reads (fail closed)
    return { scopes: canCreateTeamKeys(role) ? [...team.grants].sort() : undefined, manage: (key) => canManageTeamKey(role, me.uid, key.createdBy) };
  }

  /** The create form; kept as typed across reloads unless the scopes on offer changed. */
  #showForm(scopes: string[] | undefined): void {
    const shown = `${this.team ?? ''}\n${scopes === undefined ? '\n' : scopes.join(' ')}`; // whose keys, and what they may take
    if (this.#scopesShown === shown) return;
    this.#scopesShown = shown;
    if (scopes === undefined) return void this.#formSlot.replaceChildren();
    const { name, nameField, typeField, restrictions, controls, body } = keyFields(scopes, 'keyward-scopes', { part: 'input' }, this.team ? 'Everything the team may do, now and later' : undefined);
    const submit = h('button', { type: 'submit', class: 'primary', part: 'button primary-button' }, 'Create key');
    const form = h(
      'form',
      { part: 'form', 'aria-label': 'Create a key', novalidate: true },
      h('h2', { part: 'heading' }, 'Create a key'),
      h('div', { class: 'grid' }, nameField, typeField),
      restrictions,
      h('div', {}, submit),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      clearFieldErrors(form);
      if (!name.value.trim()) return this.#fieldError(name, 'Give the key a name.');
      submit.disabled = true;
      form.setAttribute('aria-busy', 'true');
      this.#api()
        .create(body())
        .then(
          (created) => {
            form.reset();
            restrictions.open = false;
            this.#changed('created', created);
            this.#showSecret(created, `New key “${created.name}”`, () => name);
            this.#announce(`Key “${created.name}” created.`);
            void this.refresh();
          },
          (err: Error & { field?: string }) => {
            this.#fail(err);
            const which = fieldOfError(err, Object.keys(controls));
            if (which && which !== 'name' && which !== 'type') restrictions.open = true;
            if (which) setFieldError(controls[which]!, err.message, this.#root);
          },
        )
        .finally(() => {
          submit.disabled = false;
          form.removeAttribute('aria-busy');
        });
    });
    this.#formSlot.replaceChildren(form);
  }

  #fieldError(control: HTMLElement, message: string): void {
    this.#fail({ status: 400, code: 'invalid_request', message });
    setFieldError(control, message, this.#root);
  }

  #showList(keys: KeyView[], manage: (key: KeyView) => boolean): void {
    if (keys.length === 0) {
      this.#list.replaceChildren(h('p', { class: 'muted' }, 'No keys yet.'));
      return;
    }
    // A reload draws the rows again: a focused row button hands the focus to its successor.
    const active = this.#root.activeElement as HTMLElement | null;
    const had = active?.dataset.action ? { id: active.closest('tr')?.dataset.keyId, action: active.dataset.action as KeyAction } : undefined;
    const head = ['Name and ID', 'Type', 'Status', 'Requests (30 days)', 'Last used', 'Expires', 'Actions'];
    this.#list.replaceChildren(
      h(
        'table',
        { part: 'table' },
        h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, ...keys.map((key) => this.#row(key, manage(key)))),
      ),
    );
    if (had?.id) focusOn(this.#button(had.id, had.action) ?? this.#listHeading);
  }

  #row(key: KeyView, manage: boolean): HTMLElement {
    const buttons = (manage ? keyActionsFor(key.status) : []).map((action) =>
      h(
        'button',
        {
          type: 'button',
          class: action === 'revoke' ? 'danger' : undefined,
          part: action === 'revoke' ? 'button danger-button' : 'button',
          'data-action': action,
          'aria-label': `${ACTION_LABELS[action]} ${key.name}`,
          onclick: () => void this.#act(action, key),
        },
        ACTION_LABELS[action],
      ),
    );
    return h(
      'tr',
      { part: 'row', 'data-key-id': key.id },
      h('th', { scope: 'row' }, key.name, h('br'), h('code', {}, key.id)),
      h('td', {}, key.type),
      h('td', {}, h('span', { class: `badge badge-${key.status}`, part: 'badge' }, statusText(key))),
      h('td', { 'data-usage-for': key.id }, '…'),
      h('td', {}, when(key.lastUsedAt)),
      h('td', {}, whenDay(key.expiresAt)),
      h('td', { class: 'actions' }, ...buttons),
    );
  }

  /** The row's button for an action, after a reload drew the row again. */
  #button(id: string, action: KeyAction): HTMLElement | null {
    return this.#root.querySelector<HTMLElement>(`tr[data-key-id="${CSS.escape(id)}"] button[data-action="${action}"]`);
  }

  async #act(action: KeyAction, key: KeyView): Promise<void> {
    const returnTo = () => this.#button(key.id, action) ?? this.#listHeading;
    const confirm = (title: string, body: Node[], confirmLabel: string, danger = false) =>
      ask({ title, body, confirm: confirmLabel, danger, returnTo, parent: this.#root, part: 'dialog' });
    try {
      if (action === 'regenerate') {
        const grace = h('select', { name: 'gracePeriod', part: 'input' }, ...GRACE_PERIODS.map((g) => h('option', { value: g.seconds }, g.label)));
        const values = await confirm(`Regenerate “${key.name}”?`, [h('p', {}, 'The key keeps its ID and settings and gets a new secret.'), field('Keep the old key working for', grace)], 'Regenerate key');
        if (!values) return;
        const result = await this.#api().regenerate(key.id, Number(values.get('gracePeriod')));
        this.#changed('regenerated', result);
        this.#showSecret(result, `New key for “${result.name}”`, returnTo);
        this.#announce(`Key “${result.name}” regenerated.`);
        void this.refresh();
      } else if (action === 'pause' || action === 'resume') {
        const pausing = action === 'pause';
        if (pausing && !(await confirm(`Pause “${key.name}”?`, [h('p', {}, 'While paused, requests with this key are refused. Resume it any time.')], 'Pause key'))) return;
        const view = await this.#api().setPaused(key.id, pausing);
        this.#changed(pausing ? 'paused' : 'resumed', view);
        await this.refresh();
        focusOn(this.#button(key.id, pausing ? 'resume' : 'pause') ?? this.#listHeading);
        this.#announce(`Key “${key.name}” ${pausing ? 'paused' : 'resumed'}.`);
      } else {
        const body = [h('p', {}, `Requests with this key (ID ${key.id}) are refused from now on, and its access tokens with it. This cannot be undone.`)];
        if (!(await confirm(`Revoke “${key.name}”?`, body, 'Revoke key', true))) return;
        const view = await this.#api().revoke(key.id);
        this.#changed('revoked', view);
        await this.refresh();
        focusOn(this.#listHeading);
        this.#announce(`Key “${key.name}” revoked.`);
      }
    } catch (err) {
      this.#fail(err);
    }
  }

  /** The one time a key and its signing secret are shown; closing the dialog forgets them. */
  #showSecret(result: KeyWithSecret, title: string, returnTo: () => HTMLElement | null): void {
    const heading = h('h2', { part: 'heading' }, title);
    const status = h('p', { role: 'status', part: 'status' });
    const secretField = (label: string, value: string, noun: string) => {
      const input = h('input', { type: 'text', readonly: true, autocomplete: 'off', spellcheck: 'false', class: 'secret', part: 'input secret' });
      input.value = value;
      const copy = async () => {
        try {
          await navigator.clipboard.writeText(input.value);
          status.textContent = `The ${noun} is copied to the clipboard.`;
        } catch {
          // No clipboard access (permissions, an insecure page): select it for Ctrl+C instead.
          input.focus();
          input.select();
          status.textContent = `Could not copy automatically: the ${noun} is selected, press Ctrl+C (or ⌘C) to copy it.`;
        }
      };
      const wrapper = field(label, input);
      wrapper.append(h('button', { type: 'button', part: 'button copy-button', onclick: () => void copy() }, `Copy the ${noun}`));
      return { wrapper, input };
    };
    const key = secretField('API key', result.key, 'key');
    const signing = secretField('Signing secret', result.signingSecret, 'signing secret');
    const done = h('button', { type: 'button', class: 'primary', part: 'button primary-button' }, 'Done: I have copied them');
    const dialog = h(
      'dialog',
      { part: 'secret-dialog' },
      heading,
      h('p', { class: 'warning' }, h('strong', {}, 'Copy these now: they will not be shown again. '), 'Keyward keeps no copy. If you lose them, regenerate the key.'),
      key.wrapper,
      signing.wrapper,
      h('p', { class: 'hint' }, 'The signing secret signs requests so that the key never travels; without signing, send the API key.'),
      status,
      h('div', { class: 'actions' }, done),
    );
    heading.id = `${result.id}-secret-title`;
    dialog.setAttribute('aria-labelledby', heading.id);
    done.addEventListener('click', () => dialog.close());
    // Escape closes it too: either way the values leave the page.
    dialog.addEventListener('close', () => {
      key.input.value = '';
      signing.input.value = '';
      dialog.remove();
      focusOn(returnTo() ?? this.#listHeading);
      this.#announce('The key and signing secret are no longer shown.');
    });
    this.#root.append(dialog);
    dialog.showModal();
    focusOn(heading);
  }
}
