/**
 * The Keyward console. Views by URL hash (`#keys`, `#keys/<key id>`, `#audit?<filters>`, `#notifications`,
 * `#teams`, `#team/<team id>/<page>`, `#invitation`): nothing secret ever goes in the URL (key and team ids
 * and audit filters are not secrets; an invitation link's token is taken out of the address at load).
 * On load it asks `GET /v1/me` whether the session cookie is valid, and shows sign-in if not.
 */
import { api, whenSignedOut, type Me } from './api';
import { setUpAuth } from './auth';
import { authEmulatorUrl, type BuildConfig } from './config';
import { announce, clearMessages, focusOn, h, showError } from './dom';
import { auditStateFromQuery } from './format/audit';
import { renderAudit } from './views/audit';
import { renderKeyDetail } from './views/key-detail';
import { renderKeys } from './views/keys';
import { renderNotifications } from './views/notifications';
import { clearSecret } from './views/secret';
import { renderSignIn } from './views/sign-in';
import { invitationFromUrl, teamHref, teamRouteOf } from './team-rules';
import { teamsApi, type Team } from './teams-api';
import { renderAcceptInvitation } from './views/accept-invitation';
import { renderSwitcher } from './views/team-switcher';
import { renderTeamPage, teamNav } from './views/team';
import { renderTeams } from './views/teams';

declare const __KEYWARD_CONFIG__: BuildConfig;

const main = document.getElementById('main')!;
const account = document.getElementById('account')!;
const nav = document.getElementById('nav')!;
const switcher = document.getElementById('switcher')!;
const emulatorUrl = authEmulatorUrl(location, __KEYWARD_CONFIG__.authEmulator);
let me: Me | undefined;
/** My teams as last read (`GET /v1/teams`, read again at every page change); undefined when unreadable. */
let teams: Team[] | undefined;
/** The invitation link's token, taken out of the address at load; held until accepted or a sign-out. */
let invitationToken: string | undefined;
const fromLink = invitationFromUrl(location);
if (fromLink) {
  invitationToken = fromLink.token;
  history.replaceState(null, '', fromLink.cleanUrl);
}

type View = 'keys' | 'audit' | 'notifications' | 'teams' | 'invitation';
const VIEWS: Record<View, string> = { keys: 'API keys', audit: 'Audit log', notifications: 'Notifications', teams: 'Teams', invitation: 'Join a team' };
const PERSONAL_NAV: ReadonlyArray<[string, string]> = [
  ['#keys', 'API keys'],
  ['#audit', 'Audit log'],
  ['#notifications', 'Notifications'],
  ['#teams', 'Teams'],
];

interface Route {
  view: View | 'team';
  /** `#keys/<id>`: one key's page. */
  keyId?: string;
  /** `#audit?…`: the search. */
  query?: string;
  team?: NonNullable<ReturnType<typeof teamRouteOf>>;
}

/** The route of a hash, or undefined for a hash that is not one (the skip link's `#main`). */
function routeOf(hash: string): Route | undefined {
  if (!hash || hash === '#') return { view: 'keys' };
  if (hash === '#teams' || hash === '#invitation') return { view: hash.slice(1) as View };
  const team = teamRouteOf(hash);
  if (team) return { view: 'team', team };
  const m = /^#(keys|audit|notifications)(?:\/([A-Za-z0-9]{1,64}))?(\?.*)?$/.exec(hash);
  if (!m) return undefined;
  return { view: m[1] as View, keyId: m[1] === 'keys' ? m[2] : undefined, query: m[3] };
}

/** The header's navigation: the personal pages, or the pages of the team on screen. */
function renderNav(links: ReadonlyArray<[string, string]>, current: string): void {
  nav.setAttribute('aria-label', current.startsWith('#team/') ? 'Team' : 'Console');
  // The current page's link shows it afresh (the hash does not change, so no hashchange would).
  const again = (event: Event) => {
    if ((event.currentTarget as HTMLAnchorElement).getAttribute('href') !== location.hash) return;
    event.preventDefault();
    clearMessages();
    void show(true);
  };
  nav.replaceChildren(...links.map(([href, text]) => h('a', { href, 'aria-current': href === current ? 'page' : undefined, onclick: again }, text)));
}

async function loadTeams(): Promise<void> {
  try {
    teams = (await teamsApi.list()).teams;
  } catch {
    teams = undefined;
  }
}

/**
 * Each page change reads my teams again, so a team I left or was removed from leaves the switcher
 * at my next click. A personal page does not wait for that read; a team's page does (it needs my
 * role), showing "Loading" meanwhile so that nothing of the previous page can be used.
 */
let shown = 0;
async function show(moveFocus: boolean): Promise<void> {
  clearSecret();
  if (!me) return;
  const seq = ++shown;
  const route = routeOf(location.hash) ?? { view: 'keys' };
  const teamId = route.team?.teamId;
  const current = () => seq === shown && me !== undefined; // no later page change or sign-out came first
  const loaded = loadTeams().then(() => {
    if (current()) renderSwitcher(switcher, teams, teamId);
  });
  if (route.view === 'team') {
    main.replaceChildren(h('p', {}, 'Loading the team…'));
    await loaded;
    if (!current()) return;
    const team = teams?.find((t) => t.id === teamId);
    renderNav(team ? teamNav(team, me) : PERSONAL_NAV, team ? teamHref(team.id, route.team!.page) : location.hash);
    document.title = `${team?.name ?? 'Team'} · Keyward`;
    renderTeamPage(main, me, team, route.team!.page, refreshTeams, route.team!.keyId);
  } else {
    // The list's link stays current on a key's own page: it is where the person is.
    renderNav(PERSONAL_NAV, `#${route.view}`);
    document.title = `${VIEWS[route.view]} · Keyward`;
    if (route.view === 'audit') renderAudit(main, me, auditStateFromQuery(route.query ?? ''));
    else if (route.view === 'notifications') renderNotifications(main);
    else if (route.view === 'teams') renderTeams(main, refreshTeams);
    else if (route.view === 'invitation') renderAcceptInvitation(main, me.email, invitationToken, accepted);
    else if (route.keyId) renderKeyDetail(main, me, route.keyId);
    else renderKeys(main, me);
  }
  if (moveFocus) focusOn(main.querySelector('h1'));
}

/** After creating, renaming, leaving or deleting a team: the switcher shows it at once. */
async function refreshTeams(): Promise<void> {
  await loadTeams();
  renderSwitcher(switcher, teams, routeOf(location.hash)?.team?.teamId);
}

async function accepted(): Promise<void> {
  invitationToken = undefined; // used: a second use would be refused anyway
  await refreshTeams();
}

function signedOut(notice?: string): void {
  clearSecret();
  me = undefined;
  teams = undefined;
  nav.hidden = true;
  account.replaceChildren();
  switcher.replaceChildren();
  document.title = 'Sign in · Keyward';
  renderSignIn(main, start, notice ?? (invitationToken ? 'Sign in, or create an account with the invited email address, to accept your team invitation.' : undefined));
}

async function signOut(everywhere: boolean): Promise<void> {
  clearMessages();
  invitationToken = undefined;
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
  // Signed in from an invitation link: the invitation is what the person came for.
  if (invitationToken && location.hash !== '#invitation') location.hash = '#invitation';
  else void show(true);
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
  void show(true);
});
// Leaving the page (or putting it in the back-forward cache) takes any shown secret with it.
window.addEventListener('pagehide', clearSecret);
void start();
