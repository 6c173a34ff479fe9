/**
 * Creating a key: name and type first; expiry, scopes, origins and addresses behind
 * "Restrictions". Scopes are chosen from what the person holds. An error about one field is shown
 * under that field (and read out), not only at the top.
 */
import { api, type KeyWithSecret, type Me } from '../api';
import { busy, clearFieldErrors, clearMessages, field, h, setFieldError, showError, announce } from '../dom';
import { createKeyBody, fieldOfError, heldScopes } from '../format/keys';
import { tomorrow } from '../format/words';

const TYPE_HINT = 'Server keys are for your backend; web keys work only from their allowed origins; mobile keys are for apps.';

/** Scope checkboxes: "everything I may do" (no scopes: follows the account), or only the ones ticked. */
export function scopePicker(
  choices: string[],
  selected: string[] | null,
  name: string,
  allowAll = true,
  everything = 'Everything I may do, now and later',
): { element: HTMLElement; value: () => string[] | null; focusTarget: HTMLElement } {
  const all = h('input', { type: 'radio', name: `${name}-mode`, value: 'all', checked: selected === null });
  const some = h('input', { type: 'radio', name: `${name}-mode`, value: 'some', checked: selected !== null });
  const boxes = choices.map((scope) => h('input', { type: 'checkbox', name, value: scope, checked: selected?.includes(scope) ?? false }));
  const legendId = `${name}-legend`;
  const element = h(
    'fieldset',
    { class: 'scopes', id: `${name}-fieldset`, tabindex: -1, 'aria-describedby': `${name}-fieldset-error` },
    h('legend', { id: legendId }, 'What the key may do'),
    allowAll ? h('label', { class: 'choice' }, all, ` ${everything}`) : null,
    allowAll ? h('label', { class: 'choice' }, some, ' Only these scopes:') : h('p', { class: 'hint' }, 'Scopes can only be narrowed: untick what the key should no longer do.'),
    choices.length
      ? h('div', { class: 'choices' }, ...boxes.map((box) => h('label', { class: 'choice' }, box, ` ${box.value}`)))
      : h('p', { class: 'hint' }, 'You hold no permissions or roles, so a key with scopes can do only what needs none.'),
    h('small', { id: `${name}-fieldset-error`, class: 'field-error' }),
  );
  for (const box of boxes) box.addEventListener('change', () => (some.checked = true));
  return { element, value: () => (allowAll && all.checked ? null : boxes.filter((b) => b.checked).map((b) => b.value)), focusTarget: element };
}

/**
 * The fields of a new key, shared with `<keyward-api-keys>`: name and type, and expiry, origins,
 * addresses and scopes behind "Restrictions" (opened for a web key, which needs an origin).
 * `attrs` go on every control (the element's `part`). `body()` is what to send, `controls` maps
 * the API's field names to the control an error about them belongs to.
 */
export function keyFields(choices: string[], scopeName: string, attrs: Record<string, string> = {}, everything?: string) {
  const name = h('input', { name: 'name', required: true, maxlength: 100, autocomplete: 'off', ...attrs });
  const type = h('select', { name: 'type', ...attrs }, ...['server', 'web', 'mobile'].map((t) => h('option', { value: t }, t)));
  const expiresOn = h('input', { name: 'expiresOn', type: 'date', min: tomorrow(new Date()), ...attrs });
  const origins = h('textarea', { name: 'allowedOrigins', rows: 2, autocomplete: 'off', spellcheck: 'false', ...attrs });
  const ips = h('textarea', { name: 'allowedIps', rows: 2, autocomplete: 'off', spellcheck: 'false', ...attrs });
  const scopes = scopePicker(choices, null, scopeName, true, everything);
  const restrictions = h(
    'details',
    { class: 'restrictions' },
    h('summary', {}, 'Restrictions: expiry, scopes, origins, IP addresses'),
    h(
      'div',
      { class: 'grid' },
      field('Expires on', expiresOn, 'Leave empty for the default expiry (180 days unless your project changed it).'),
      field('Allowed origins', origins, 'One per line, like https://app.example.com. Web keys need at least one.'),
      field('Allowed IP addresses', ips, 'Addresses or CIDR ranges, one per line. Leave empty to allow any address.'),
    ),
    scopes.element,
  );
  const controls: Record<string, HTMLElement> = { name, type, expiresAt: expiresOn, allowedOrigins: origins, allowedIps: ips, scopes: scopes.focusTarget };
  type.addEventListener('change', () => {
    if (type.value === 'web') restrictions.open = true; // a web key needs an origin: show where
  });
  const body = (): Record<string, unknown> => {
    const out = createKeyBody({ name: name.value, type: type.value, expiresOn: expiresOn.value, allowedOrigins: origins.value, allowedIps: ips.value, scopes: '' });
    const chosen = scopes.value();
    if (chosen !== null) out.scopes = chosen;
    return out;
  };
  const nameField = field('Name', name, 'For you to recognise it, like “billing backend”.');
  const typeField = field('Type', type, TYPE_HINT);
  return { name, nameField, typeField, restrictions, controls, body };
}

/** For a team key: where it is sent and which scopes it may narrow to (the team's grants). */
export interface CreateTarget {
  send: (body: Record<string, unknown>) => Promise<KeyWithSecret>;
  scopes: string[];
  heading: string;
}

export function createForm(me: Me, created: (key: KeyWithSecret) => Promise<void>, target?: CreateTarget): HTMLElement {
  const { name, nameField, typeField, restrictions, controls, body } = target
    ? keyFields(target.scopes, 'create-scopes', {}, 'Everything the team may do, now and later')
    : keyFields(heldScopes(me.claims), 'create-scopes');
  const form = h(
    'form',
    { class: 'create-key', 'aria-labelledby': 'create-heading', novalidate: true },
    h('h2', { id: 'create-heading' }, target?.heading ?? 'Create a key'),
    h('div', { class: 'grid' }, nameField, typeField),
    restrictions,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create key')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearMessages();
    clearFieldErrors(form);
    if (!name.value.trim()) {
      setFieldError(name, 'Give the key a name.');
      showError('Give the key a name.');
      return;
    }
    void busy(form, async () => {
      try {
        const key = await (target?.send ?? api.createKey)(body());
        form.reset();
        restrictions.open = false;
        await created(key);
        announce(`Key “${key.name}” created.`);
        return undefined;
      } catch (err) {
        return err as Error;
      }
    }).then((err) => {
      // After busy() gave the controls back: a disabled field cannot take the focus.
      if (!err) return;
      showError(err.message);
      const which = fieldOfError(err as { field?: string }, Object.keys(controls));
      if (!which) return;
      if (which !== 'name' && which !== 'type') restrictions.open = true;
      setFieldError(controls[which]!, err.message);
    });
  });
  return form;
}
