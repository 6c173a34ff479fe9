/**
 * The switcher between "Personal" and each of my teams, in the header: a disclosure (details and
 * summary, so it opens with Enter or Space) over plain links, the current one marked
 * `aria-current`. It reads `GET /v1/teams` afresh on every page change, so a team I was removed
 * from is gone from it at the next navigation.
 */
import { h } from '../dom';
import { teamHref } from '../team-rules';
import type { Team } from '../teams-api';

export function renderSwitcher(slot: HTMLElement, teams: Team[] | undefined, currentTeamId: string | undefined): void {
  const current = currentTeamId ? teams?.find((t) => t.id === currentTeamId) : undefined;
  const label = current ? `Team: ${current.name}` : 'Personal';
  const link = (href: string, text: string, isCurrent: boolean, teamId?: string) =>
    h('li', {}, h('a', { href, 'aria-current': isCurrent ? 'page' : undefined, 'data-team-id': teamId }, text));
  const details = h(
    'details',
    { class: 'switcher' },
    h('summary', { 'aria-label': `Switch account, now ${label}` }, label),
    h(
      'ul',
      { 'aria-label': 'Personal and teams' },
      link('#keys', 'Personal', !currentTeamId),
      ...(teams ?? []).map((team) => link(teamHref(team.id), `Team: ${team.name}`, team.id === currentTeamId, team.id)),
      link('#teams', teams === undefined ? 'Teams (could not be loaded)' : 'Create or list teams…', false),
    ),
  );
  // Choosing closes it: the page changes, and focus moves to the new page's heading.
  details.addEventListener('click', (event) => {
    if ((event.target as HTMLElement).closest('a')) details.open = false;
  });
  details.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && details.open) {
      details.open = false;
      details.querySelector('summary')!.focus();
    }
  });
  slot.replaceChildren(details);
}
