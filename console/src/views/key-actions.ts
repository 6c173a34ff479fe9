/**
 * What can be done to one key, from the list or its own page: regenerate (with a grace period),
 * pause or resume, revoke. Each asks first where it matters, then reports in words.
 */
import { api, type KeyView, type KeyWithSecret } from '../api';
import { announce, ask, field, h, showError } from '../dom';
import { ACTION_LABELS, GRACE_PERIODS, keyActionsFor, type KeyAction } from '../format/keys';

/** The cross-instance bound the API documents (KEYWARD_CACHE_TTL_MS, 10 s by default). */
export const REVOCATION_BOUND = 'within 10 seconds everywhere else';

export interface KeyActionHooks {
  /** After a change: reload what the page shows. */
  changed: () => Promise<void>;
  /** A new key and signing secret to show once. */
  secret: (result: KeyWithSecret) => void;
  /** Where focus goes after a revocation (the button is gone). */
  afterRevoke: () => void;
  /** How the change is sent: the callables for personal keys (the default), REST for team keys. */
  ops?: KeyOps;
}

export interface KeyOps {
  revoke: (id: string) => Promise<unknown>;
  regenerate: (id: string, gracePeriod: number) => Promise<KeyWithSecret>;
  update: (id: string, change: Record<string, unknown>) => Promise<unknown>;
}

/** Personal keys: through the callables. */
export const callableOps: KeyOps = { revoke: api.revokeKey, regenerate: api.regenerateKey, update: api.updateKey };

export function keyActions(key: KeyView, hooks: KeyActionHooks): HTMLElement[] {
  const run: Record<KeyAction, (trigger: HTMLElement) => Promise<void>> = {
    regenerate: (trigger) => regenerate(key, trigger, hooks),
    pause: (trigger) => pause(key, true, trigger, hooks),
    resume: (trigger) => pause(key, false, trigger, hooks),
    revoke: (trigger) => revoke(key, trigger, hooks),
  };
  return keyActionsFor(key.status).map((action) => {
    const label = ACTION_LABELS[action];
    return h('button', { type: 'button', class: action === 'revoke' ? 'danger' : undefined, 'aria-label': `${label} ${key.name}`, onclick: (e) => void run[action](e.currentTarget as HTMLElement) }, label);
  });
}

async function revoke(key: KeyView, trigger: HTMLElement, hooks: KeyActionHooks): Promise<void> {
  const confirmed = await ask({
    title: `Revoke “${key.name}”?`,
    body: [
      h('p', {}, `Requests with this key (ID ${key.id}) are refused at once on the server that handles this, and ${REVOCATION_BOUND}. Its access tokens stop with it.`),
      h('p', {}, 'This cannot be undone. To stop the key for a while, pause it instead.'),
    ],
    confirm: 'Revoke key',
    danger: true,
    returnTo: () => trigger,
  });
  if (!confirmed) return;
  try {
    await (hooks.ops ?? callableOps).revoke(key.id);
    await hooks.changed();
    announce(`Key “${key.name}” revoked.`);
    hooks.afterRevoke();
  } catch (err) {
    showError((err as Error).message);
  }
}

async function pause(key: KeyView, disabled: boolean, trigger: HTMLElement, hooks: KeyActionHooks): Promise<void> {
  if (disabled) {
    const confirmed = await ask({
      title: `Pause “${key.name}”?`,
      body: [h('p', {}, `While paused, requests with this key are refused like a revoked key's: at once here and ${REVOCATION_BOUND}. Resume it any time.`)],
      confirm: 'Pause key',
      returnTo: () => trigger,
    });
    if (!confirmed) return;
  }
  try {
    await (hooks.ops ?? callableOps).update(key.id, { disabled });
    await hooks.changed();
    announce(disabled ? `Key “${key.name}” paused.` : `Key “${key.name}” resumed.`);
  } catch (err) {
    showError((err as Error).message);
  }
}

async function regenerate(key: KeyView, trigger: HTMLElement, hooks: KeyActionHooks): Promise<void> {
  const grace = h('select', { name: 'gracePeriod' }, ...GRACE_PERIODS.map((g) => h('option', { value: g.seconds }, g.label)));
  const values = await ask({
    title: `Regenerate “${key.name}”?`,
    body: [h('p', {}, 'The key keeps its ID and settings and gets a new secret. Update your clients with the new key.'), field('Keep the old key working for', grace)],
    confirm: 'Regenerate key',
    returnTo: () => trigger,
  });
  if (!values) return;
  try {
    const result = await (hooks.ops ?? callableOps).regenerate(key.id, Number(values.get('gracePeriod')));
    await hooks.changed();
    hooks.secret(result);
    announce(`Key “${result.name}” regenerated.`);
  } catch (err) {
    showError((err as Error).message);
  }
}
