/**
 * Small DOM helpers. Text always goes in as text (never HTML): audit entries carry strings that
 * clients chose (user agents, paths), and they must never become markup.
 */

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | boolean | number | undefined | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
}

let fieldCount = 0;

/** A labelled form field: the label names the control, the hint describes it. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLElement {
  const id = control.id || `f${++fieldCount}`;
  control.id = id;
  const hintEl = hint ? h('small', { id: `${id}-hint`, class: 'hint' }, hint) : null;
  // The error slot stays empty until setFieldError: a screen reader reads it with the field.
  const errorEl = h('small', { id: `${id}-error`, class: 'field-error' });
  control.setAttribute('aria-describedby', [hintEl?.id, errorEl.id].filter(Boolean).join(' '));
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl, errorEl);
}

/** Shows an error under a field (and marks it invalid); focus goes to the field. `root`: a shadow root holding the form. */
export function setFieldError(control: HTMLElement, message: string, root: Pick<Document, 'getElementById'> = document): void {
  const slot = root.getElementById(`${control.id}-error`);
  if (slot) slot.textContent = message;
  control.setAttribute('aria-invalid', 'true');
  control.focus();
}

export function clearFieldErrors(form: HTMLElement): void {
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const slot of form.querySelectorAll('.field-error')) slot.textContent = '';
}

const statusRegion = () => document.getElementById('status')!;
const alertRegion = () => document.getElementById('alert')!;

/** Announces a confirmation (polite live region); clears any error shown. */
export function announce(message: string): void {
  alertRegion().textContent = '';
  statusRegion().textContent = message;
}

/** Shows an error in words (assertive live region). */
export function showError(message: string): void {
  statusRegion().textContent = '';
  alertRegion().textContent = message;
}

export function clearMessages(): void {
  statusRegion().textContent = '';
  alertRegion().textContent = '';
}

/** Moves keyboard focus to an element; a heading or a panel first gets tabindex=-1 so it can take it. */
export function focusOn(el: HTMLElement | null): void {
  if (!el) return;
  // Controls are focusable already (and must stay in the tab order); headings need tabindex=-1.
  if (el.tabIndex < 0 && !el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
  el.focus();
}

/**
 * A modal dialog (native <dialog>: focus stays inside, Escape cancels). Resolves with the form's
 * values when confirmed, or undefined when cancelled; focus then goes back to `returnTo`.
 */
export function ask(opts: {
  title: string;
  body: Child[];
  confirm: string;
  danger?: boolean;
  returnTo: () => HTMLElement | null;
  /** Where the dialog goes: the page, or a shadow root (`<keyward-api-keys>`). */
  parent?: Node & ParentNode;
  /** Its `part` name, for a page styling the element's dialogs with `::part()`. */
  part?: string;
}): Promise<FormData | undefined> {
  return new Promise((resolve) => {
    const titleId = `dialog-title-${++fieldCount}`;
    const form = h(
      'form',
      { method: 'dialog' },
      h('h2', { id: titleId }, opts.title),
      ...opts.body,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit', value: 'confirm', class: opts.danger ? 'danger' : 'primary' }, opts.confirm),
        // For a destructive action the safe choice has the focus.
        h('button', { type: 'submit', value: 'cancel', formnovalidate: true, autofocus: opts.danger }, 'Cancel'),
      ),
    );
    const dialog = h('dialog', { 'aria-labelledby': titleId, part: opts.part }, form);
    (opts.parent ?? document.body).append(dialog);
    dialog.addEventListener('close', () => {
      const confirmed = dialog.returnValue === 'confirm';
      const values = new FormData(form);
      dialog.remove();
      focusOn(opts.returnTo());
      resolve(confirmed ? values : undefined);
    });
    dialog.showModal();
  });
}

/** Disables a form's controls while `work` runs, so a double click sends nothing twice. */
export async function busy<T>(form: HTMLFormElement, work: () => Promise<T>): Promise<T> {
  const controls = [...form.elements].filter((e): e is HTMLButtonElement | HTMLInputElement => 'disabled' in e && !(e as HTMLButtonElement).disabled);
  const focused = document.activeElement as HTMLElement | null;
  form.setAttribute('aria-busy', 'true');
  controls.forEach((c) => (c.disabled = true));
  try {
    return await work();
  } finally {
    controls.forEach((c) => (c.disabled = false));
    form.removeAttribute('aria-busy');
    // A disabled button drops the focus: give it back unless the work moved it on purpose.
    if ((document.activeElement === document.body || document.activeElement === null) && focused?.isConnected) focused.focus();
  }
}

/**
 * Goes to another view, then announces: the page clears its messages on every view change, so a
 * confirmation said before it would be wiped (the listener runs after the page's own).
 */
export function navigateThenAnnounce(hash: string, message: string): void {
  if (location.hash === hash) return announce(message);
  window.addEventListener('hashchange', () => announce(message), { once: true });
  location.hash = hash;
}
