/** Sign in, or create an account, with email and password. */
import { SignInError, signIn, signUp } from '../auth';
import { busy, clearMessages, field, focusOn, h, showError } from '../dom';

export function renderSignIn(root: HTMLElement, onSignedIn: () => Promise<void>, notice?: string): void {
  const email = h('input', { name: 'email', type: 'email', required: true, autocomplete: 'username', spellcheck: 'false' });
  const password = h('input', { name: 'password', type: 'password', required: true, minlength: 6, autocomplete: 'current-password' });
  const heading = h('h1', { id: 'sign-in-heading' }, 'Sign in to Keyward');
  const form = h(
    'form',
    { class: 'sign-in', 'aria-labelledby': 'sign-in-heading' },
    heading,
    notice ? h('p', { class: 'notice' }, notice) : null,
    field('Email', email),
    field('Password', password, 'At least 6 characters.'),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', name: 'action', value: 'sign-in', class: 'primary' }, 'Sign in'),
      h('button', { type: 'submit', name: 'action', value: 'sign-up' }, 'Create an account'),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearMessages();
    const creating = (event.submitter as HTMLButtonElement | null)?.value === 'sign-up';
    void busy(form, async () => {
      try {
        await (creating ? signUp : signIn)(email.value.trim(), password.value);
        password.value = '';
        await onSignedIn();
      } catch (err) {
        showError(err instanceof SignInError ? err.message : `Could not start a session: ${(err as Error).message}`);
      }
    });
  });
  root.replaceChildren(form);
  focusOn(notice ? heading : email);
}
