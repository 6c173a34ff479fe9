/**
 * Limits and credits, for one key (its page) or for all of a person's keys (the keys page): what
 * is set, what is left and when it refills, and a form to change them. The API keeps them within
 * what the project allows and says so in words; the form sends only what changed, because new
 * credits start a fresh count.
 */
import { announce, busy, clearFieldErrors, clearMessages, field, h, setFieldError, showError } from '../dom';
import { limitsChange, limitsFormOf, type LimitsForm, type LimitsAndCredits } from '../format/limits';
import { count, when } from '../format/words';

/** What is set and what is left, as a definition list (`data-limit` names each value for tests and styles). */
export function limitsSummary(s: LimitsAndCredits, noLimit = 'No limit of its own'): HTMLElement {
  const row = (term: string, name: string, value: string) => h('div', {}, h('dt', {}, term), h('dd', { 'data-limit': name }, value));
  const refill = s.credits?.refill;
  return h(
    'dl',
    { class: 'limits' },
    row('Requests per minute', 'requestsPerMinute', s.limits?.requestsPerMinute === undefined ? noLimit : `${count(s.limits.requestsPerMinute)} a minute`),
    row('Requests per day', 'requestsPerDay', s.limits?.requestsPerDay === undefined ? noLimit : `${count(s.limits.requestsPerDay)} a day`),
    row('Credits left', 'credits', s.credits ? count(s.credits.remaining) : 'Unmetered'),
    row('Refill', 'refill', refill ? `to ${count(refill.amount)} every ${refill.interval}` : s.credits ? 'None: set new credits when they run out' : '—'),
    row('Next refill', 'nextRefillAt', when(s.credits?.nextRefillAt, '—')),
  );
}

export interface LimitsFormOptions {
  /** Unique among the page's forms: ids of the heading and fields. */
  id: string;
  title: string;
  hint: string;
  current: LimitsAndCredits;
  /** Sends the change; resolves once saved (the caller shows the new values). */
  save: (change: Record<string, unknown>) => Promise<void>;
  saved: string;
}

/** The form that changes limits and credits; empty fields mean none. */
export function limitsForm(opts: LimitsFormOptions): HTMLFormElement {
  const number = (name: keyof LimitsForm) => h('input', { name, type: 'number', min: name === 'credits' ? 0 : 1, step: 1, inputmode: 'numeric', autocomplete: 'off', placeholder: 'None' });
  const controls = {
    requestsPerMinute: number('requestsPerMinute'),
    requestsPerDay: number('requestsPerDay'),
    credits: number('credits'),
    refillAmount: number('refillAmount'),
    refillInterval: h('select', { name: 'refillInterval' }, h('option', { value: 'day' }, 'day'), h('option', { value: 'month' }, 'month')),
  };
  const before = limitsFormOf(opts.current);
  for (const [name, control] of Object.entries(controls)) control.value = before[name as keyof LimitsForm];
  const headingId = `${opts.id}-heading`;
  const form = h(
    'form',
    { class: 'edit-limits', 'aria-labelledby': headingId, novalidate: true },
    h('h3', { id: headingId }, opts.title),
    h('p', { class: 'hint' }, opts.hint),
    h(
      'div',
      { class: 'grid' },
      field('Requests per minute', controls.requestsPerMinute, 'Empty: no limit of its own.'),
      field('Requests per day', controls.requestsPerDay, 'Counted per UTC day.'),
      field('Credits', controls.credits, 'Each request spends one; empty: unmetered. Saving new credits starts a fresh count.'),
      field('Refill to', controls.refillAmount, 'Credits at the start of each period; empty: no refill.'),
      field('Refill every', controls.refillInterval, 'UTC day or calendar month.'),
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save limits')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearMessages();
    clearFieldErrors(form);
    const after = Object.fromEntries(Object.entries(controls).map(([name, control]) => [name, control.value])) as unknown as LimitsForm;
    const result = limitsChange(before, after);
    if ('error' in result) {
      setFieldError(controls[result.field], result.error);
      return;
    }
    if (Object.keys(result.change).length === 0) {
      announce('Nothing to save: no limit changed.');
      return;
    }
    void busy(form, () => opts.save(result.change).then(() => undefined, (err: Error) => err)).then((err) => {
      if (!err) return announce(opts.saved);
      showError(err.message);
      // The API names the field first (`limits.requestsPerMinute must be …`).
      const which = /^(?:limits|credits(?:\.refill)?)\.(\w+)/.exec(err.message)?.[1];
      const control = which === 'remaining' ? controls.credits : which === 'amount' ? controls.refillAmount : which === 'interval' ? controls.refillInterval : controls[which as keyof typeof controls];
      if (control) setFieldError(control, err.message);
    });
  });
  return form;
}
