/**
 * Accepting an invitation (`#invitation`), reached from the mail's link. The token was taken from
 * the address when the page loaded (and the address cleaned), so it is held only here, in memory,
 * and sent once in a request body. Accepting is a button, never automatic: opening a link must not
 * join anyone to a team by itself.
 */
import { busy, h, navigateThenAnnounce, showError } from '../dom';
import { teamHref } from '../team-rules';
import { teamsApi } from '../teams-api';

export function renderAcceptInvitation(root: HTMLElement, email: string | undefined, token: string | undefined, accepted: (teamId: string) => Promise<void>): void {
  const heading = h('h1', {}, 'Join a team');
  if (!token) {
    root.replaceChildren(heading, h('p', {}, 'Open the link in your invitation mail to join a team. A link works once, for 7 days.'), h('p', {}, h('a', { href: '#keys' }, 'Go to your keys')));
    return;
  }
  const form = h(
    'form',
    { class: 'accept-invitation' },
    h('p', {}, `You were invited to a team. Accepting adds ${email ?? 'you'} to it with the role the invitation names; the invitation must be for this address, and it works only once.`),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Accept the invitation'), h('a', { href: '#keys' }, 'Not now')),
  );
  root.replaceChildren(heading, form);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(form, async () => {
      try {
        const joined = await teamsApi.accept(token);
        await accepted(joined.team.id);
        navigateThenAnnounce(teamHref(joined.team.id), `You joined “${joined.team.name}” as ${joined.team.role}.`);
      } catch (err) {
        showError((err as Error).message);
      }
    });
  });
}
