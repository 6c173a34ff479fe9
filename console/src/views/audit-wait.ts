/**
 * What the audit page shows when audit reads are over their budget (429 `rate_limited`, a wait in
 * `Retry-After`): the wait, counted down, then the same read again by itself; "Try now" does it at
 * once. Cloud Logging allows a project only so many reads a minute, so a wait is the normal answer
 * under load, not an error.
 */
import { h } from '../dom';

export { rateLimitWait as auditWaitOf } from '../api';

/**
 * Shows the countdown in `container` and calls `retry` when it ends or on "Try now". Returns a
 * function that stops the countdown (a new search replaces it).
 */
export function showAuditWait(container: HTMLElement, seconds: number, retry: () => void): () => void {
  let left = seconds;
  const text = h('span', {}, '');
  const tryNow = h('button', { type: 'button' }, 'Try now');
  const render = () => (text.textContent = `Too many audit reads; try again in ${left} s. `);
  render();
  container.replaceChildren(h('p', { class: 'audit-wait', role: 'status', 'aria-live': 'polite' }, text, tryNow));
  const timer = setInterval(() => {
    left--;
    if (left > 0) render();
    else go();
  }, 1000);
  function stop(): void {
    clearInterval(timer);
  }
  function go(): void {
    stop();
    retry();
  }
  tryNow.addEventListener('click', go);
  return stop;
}
