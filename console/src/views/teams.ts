/** `#teams`: the teams I belong to, with my role in each, and creating a team (I become its owner). */
import { busy, clearFieldErrors, clearMessages, field, h, navigateThenAnnounce, setFieldError, showError } from '../dom';
import { teamHref } from '../team-rules';
import { teamsApi, type Team } from '../teams-api';

export function renderTeams(root: HTMLElement, teamsChanged: () => Promise<void>): void {
  const list = h('div', { class: 'table-wrap' }, h('p', {}, 'Loading your teams…'));
  const name = h('input', { name: 'name', required: true, maxlength: 100, autocomplete: 'off' });
  const form = h(
    'form',
    { class: 'create-team', 'aria-labelledby': 'create-team-heading', novalidate: true },
    h('h2', { id: 'create-team-heading' }, 'Create a team'),
    field('Team name', name, 'You become its owner. Keys the team owns outlive any one member.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create team')),
  );
  root.replaceChildren(h('h1', {}, 'Teams'), h('section', { 'aria-labelledby': 'teams-heading' }, h('h2', { id: 'teams-heading' }, 'Your teams'), list), form);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearMessages();
    clearFieldErrors(form);
    if (!name.value.trim()) {
      setFieldError(name, 'Give the team a name.');
      showError('Give the team a name.');
      return;
    }
    void busy(form, async () => {
      try {
        const team = await teamsApi.create(name.value.trim());
        form.reset();
        await teamsChanged();
        navigateThenAnnounce(teamHref(team.id), `Team “${team.name}” created. You are its owner.`);
        return undefined;
      } catch (err) {
        return err as Error & { field?: string };
      }
    }).then((err) => {
      if (!err) return;
      showError(err.message);
      if (err.field === '/name') setFieldError(name, err.message);
    });
  });

  void teamsApi
    .list()
    .then(({ teams }) => list.replaceChildren(teams.length ? table(teams) : h('p', {}, 'You belong to no team yet: create one below, or accept an invitation.')))
    .catch((err: Error) => list.replaceChildren(h('p', {}, `Your teams are not available: ${err.message}`)));
}

function table(teams: Team[]): HTMLElement {
  return h(
    'table',
    { class: 'teams responsive' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Team'), h('th', { scope: 'col' }, 'Your role'))),
    h(
      'tbody',
      {},
      ...teams.map((team) =>
        h('tr', { 'data-team-id': team.id }, h('th', { scope: 'row' }, h('a', { href: teamHref(team.id) }, team.name)), h('td', { 'data-label': 'Your role' }, team.role)),
      ),
    ),
  );
}
