/**
 * The one time a key and its signing secret are shown: a panel with copy buttons and a plain
 * warning. The values live only in this panel's DOM; `clearSecret()` removes it (Done, another
 * view, sign-out, leaving the page), after which nothing on the page holds them.
 */
import { announce, field, focusOn, h } from '../dom';
import { callExamples } from '../format/keys';

let current: HTMLElement | undefined;

export function clearSecret(): void {
  if (!current) return;
  for (const input of current.querySelectorAll('input')) input.value = '';
  current.remove();
  current = undefined;
}

async function copy(input: HTMLInputElement, noun: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(input.value);
    announce(`The ${noun} is copied to the clipboard.`);
  } catch {
    // No clipboard access (permissions, an insecure context): select it for Ctrl+C instead.
    input.focus();
    input.select();
    announce(`Could not copy automatically: the ${noun} is selected, press Ctrl+C (or ⌘C) to copy it.`);
  }
}

async function copyText(text: string, label: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    announce(`The ${label} example is copied to the clipboard.`);
  } catch {
    announce(`Could not copy automatically: select the ${label} example and copy it.`);
  }
}

function secretField(label: string, value: string, noun: string): HTMLElement {
  const input = h('input', { type: 'text', readonly: true, autocomplete: 'off', spellcheck: 'false', class: 'secret' });
  input.value = value;
  const wrapper = field(label, input);
  wrapper.append(h('button', { type: 'button', onclick: () => void copy(input, noun) }, `Copy the ${noun}`));
  return wrapper;
}

/** Shows the panel at the top of `container` and moves focus to it. */
export function showSecret(container: HTMLElement, opts: { title: string; keyName: string; keyId: string; key: string; signingSecret: string }): void {
  clearSecret();
  const heading = h('h2', {}, opts.title);
  const snippets = callExamples(location.origin, opts.keyId);
  const snippet = (label: string, text: string) => {
    const code = h('pre', { class: 'snippet', tabindex: 0, 'aria-label': label }, h('code', {}, text));
    return h(
      'div',
      { class: 'snippet-block' },
      h('h3', {}, label),
      code,
      h('button', { type: 'button', onclick: () => void copyText(text, label) }, `Copy: ${label}`),
    );
  };
  current = h(
    'section',
    { class: 'secret-panel', 'aria-label': opts.title },
    heading,
    h(
      'p',
      { class: 'warning' },
      h('strong', {}, 'Copy these now: they will not be shown again. '),
      `Keyward keeps no copy of the key or the signing secret of “${opts.keyName}”. If you lose them, regenerate the key.`,
    ),
    secretField('API key', opts.key, 'key'),
    secretField('Signing secret', opts.signingSecret, 'signing secret'),
    h(
      'p',
      { class: 'hint' },
      'The signing secret signs requests (Keyward-HMAC-SHA256) so the key itself never travels; you need it only if you sign requests, otherwise send the API key.',
    ),
    h('p', {}, 'Put them in your environment as KEYWARD_KEY and KEYWARD_SIGNING_SECRET, then:'),
    snippet('curl', snippets.curl),
    snippet('Node client', snippets.client),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: () => done(container) }, 'Done: I have copied them')),
  );
  container.prepend(current);
  focusOn(heading);
}

function done(container: HTMLElement): void {
  clearSecret();
  announce('The key and signing secret are no longer shown.');
  focusOn(container.querySelector('h2'));
}
