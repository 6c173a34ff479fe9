/**
 * The Keyward console. Views by URL hash (`#keys`, `#keys/<key id>`, `#audit?<filters>`, `#notifications`): nothing
 * secret ever goes in the URL (key ids and audit filters are not secrets).
 * On load it asks `GET /v1/me` whether the session cookie is valid, and shows sign-in if not.
 */
import { api, whenSignedOut, type Me } from './api';
import { setUpAuth } from './auth';
import { authEmulatorUrl, type BuildConfig } from './config';
import { announce, clearMessages, focusOn, h, showError } from './dom';
import { auditStateFromQuery } from './format';
import { renderAudit } from './views/audit';
import { renderKeyDetail } from './views/key-detail';
import { renderKeys } from './views/keys';
import { renderNotifications } from './views/notifications';
import { clearSecret } from './views/secret';
import { renderSignIn } from './views/sign-in';

declare const __KEYWARD_CONFIG__: BuildConfig;

const main = document.getElementById('main')!;
const account = document.getElementById('account')!;
const nav = document.getElementById('nav')!;
const emulatorUrl = authEmulatorUrl(location, __KEYWARD_CONFIG__.authEmulator);
let me: Me | undefined;

type View = 'keys' | 'audit' | 'notifications';
const VIEWS: Record<View, string> = { keys: 'API keys', audit: 'Audit log', notifications: 'Notifications' };

interface Route {
  view: View;
  /** `#keys/<id>`: one key's page. */
  keyId?: string;
  /** `#audit?…`: the search. */
  query?: string;
}

/** The route of a hash, or undefined for a hash that is not one (the skip link's `#main`). */
function routeOf(hash: string): Route | undefined {
  const m = /^#(keys|audit|notifications)(?:\/([A-Za-z0-9]{1,64}))?(\?.*)?$/.exec(hash);
  if (!hash || hash === '#') return { view: 'keys' };
  if (!m) return undefined;
  return { view: m[1] as View, keyId: m[1] === 'keys' ? m[2] : undefined, query: m[3] };
}

function show(moveFocus: boolean): void {
  clearSecret();
  if (!me) return;
  const route = routeOf(location.hash) ?? { view: 'keys' };
  for (const link of nav.querySelectorAll('a')) {
    // The list's link stays current on a key's own page: it is where the person is.
    if (link.getAttribute('href') === `#${route.view}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${VIEWS[route.view]} · Keyward`;
  if (route.view === 'audit') renderAudit(main, me, auditStateFromQuery(route.query ?? ''));
  else if (route.view === 'notifications') renderNotifications(main);
  else if (route.keyId) renderKeyDetail(main, me, route.keyId);
  else renderKeys(main, me);
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
  // The email where the account has one; the uid stays at hand (title and data-uid) for support.
  account.replaceChildren(
    h('span', { class: 'who', 'data-uid': who.uid, title: `User ID ${who.uid}` }, 'Signed in as ', h('strong', {}, who.email ?? who.uid), role),
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
  if (!routeOf(location.hash)) return; // the skip link (#main) is not a view
  clearMessages();
  show(true);
});
// Leaving the page (or putting it in the back-forward cache) takes any shown secret with it.
window.addEventListener('pagehide', clearSecret);
void start();
