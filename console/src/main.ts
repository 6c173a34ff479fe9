/**
 * The Keyward console. Views by URL hash (`#keys`, `#audit`): nothing secret ever goes in the URL.
 * On load it asks `GET /v1/me` whether the session cookie is valid, and shows sign-in if not.
 */
import { api, whenSignedOut, type Me } from './api';
import { setUpAuth } from './auth';
import { authEmulatorUrl, type BuildConfig } from './config';
import { announce, clearMessages, focusOn, h, showError } from './dom';
import { renderAudit } from './views/audit';
import { renderKeys } from './views/keys';
import { clearSecret } from './views/secret';
import { renderSignIn } from './views/sign-in';

declare const __KEYWARD_CONFIG__: BuildConfig;

const main = document.getElementById('main')!;
const account = document.getElementById('account')!;
const nav = document.getElementById('nav')!;
const emulatorUrl = authEmulatorUrl(location, __KEYWARD_CONFIG__.authEmulator);
let me: Me | undefined;

type View = 'keys' | 'audit';
const VIEWS: Record<View, string> = { keys: 'API keys', audit: 'Audit log' };

function currentView(): View {
  return location.hash === '#audit' ? 'audit' : 'keys';
}

function show(moveFocus: boolean): void {
  clearSecret();
  if (!me) return;
  const view = currentView();
  for (const link of nav.querySelectorAll('a')) {
    if (link.getAttribute('href') === `#${view}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${VIEWS[view]} · Keyward`;
  if (view === 'audit') renderAudit(main, me);
  else renderKeys(main);
  if (moveFocus) focusOn(main.querySelector('h1'));
}

function signedOut(notice?: string): void {
  clearSecret();
  me = undefined;
  nav.hidden = true;
  account.replaceChildren();
  document.title = 'Sign in · Keyward';
  renderSignIn(main, start, notice);
}

async function signOut(everywhere: boolean): Promise<void> {
  clearMessages();
  try {
    await api.endSession(everywhere);
    signedOut(everywhere ? 'You are signed out on every device.' : 'You are signed out.');
  } catch (err) {
    showError((err as Error).message);
  }
}

function signedIn(who: Me): void {
  me = who;
  nav.hidden = false;
  const role = who.claims.admin === true ? ' (admin)' : who.claims.auditor === true ? ' (auditor)' : '';
  account.replaceChildren(
    h('span', { class: 'who' }, 'Signed in as ', h('code', {}, who.uid), role),
    h('button', { type: 'button', onclick: () => void signOut(false) }, 'Sign out'),
    h('button', { type: 'button', onclick: () => void signOut(true) }, 'Sign out everywhere'),
  );
  show(true);
}

/** Asks the API who the session cookie belongs to. */
async function start(): Promise<void> {
  try {
    signedIn(await api.me());
    announce('Signed in.');
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status === 401) return signedOut();
    showError((err as Error).message);
    main.replaceChildren(h('p', {}, h('button', { type: 'button', onclick: () => void start() }, 'Try again')));
  }
}

setUpAuth(__KEYWARD_CONFIG__.firebase, emulatorUrl);
if (emulatorUrl) document.getElementById('emulator')!.textContent = `Local stack: signing in with the Auth emulator at ${emulatorUrl}.`;
whenSignedOut((message) => signedOut(`Your session has ended (${message.replace(/\.$/, '')}): sign in again.`));
window.addEventListener('hashchange', () => {
  if (!(location.hash.slice(1) in VIEWS)) return; // the skip link (#main) is not a view
  clearMessages();
  show(true);
});
// Leaving the page (or putting it in the back-forward cache) takes any shown secret with it.
window.addEventListener('pagehide', clearSecret);
void start();
