/**
 * A team's settings (`#team/<id>/settings`, owners and admins): its name and whether a leaver's
 * keys are revoked (`revokeKeysOnLeave`); for owners, deleting the team, which revokes all its keys.
 */
import { announce, ask, busy, clearFieldErrors, clearMessages, field, h, navigateThenAnnounce, setFieldError, showError } from '../dom';
import { canDeleteTeam, canEditSettings } from '../team-rules';
import { teamsApi, type Team } from '../teams-api';
import { limitsForm, limitsSummary } from './limits';

export function renderTeamSettings(root: HTMLElement, team: Team, teamsChanged: () => Promise<void>): void {
  if (!canEditSettings(team.role)) {
    root.replaceChildren(h('h1', {}, `${team.name}: settings`), h('p', {}, 'Only the team’s owners and admins change its settings.'));
    return;
  }
  const name = h('input', { name: 'name', required: true, maxlength: 100, autocomplete: 'off', value: team.name });
  const revoke = h('input', { type: 'checkbox', name: 'revokeKeysOnLeave', id: 'revoke-on-leave', checked: team.revokeKeysOnLeave });
  const form = h(
    'form',
    { class: 'team-settings', 'aria-labelledby': 'settings-heading', novalidate: true },
    h('h2', { id: 'settings-heading' }, 'Name and departures'),
    field('Team name', name),
    h(
      'div',
      { class: 'field' },
      h('label', { class: 'choice' }, revoke, ' Revoke the keys a member created when they leave or are removed'),
      h('small', { class: 'hint' }, 'Off: team keys belong to the team and keep working after their creator leaves. On: they are revoked with the departure (the members page says which, before you remove anyone).'),
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save settings')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearMessages();
    clearFieldErrors(form);
    if (!name.value.trim()) {
      setFieldError(name, 'Give the team a name.');
      showError('Give the team a name.');
      return;
    }
    const change: { name?: string; revokeKeysOnLeave?: boolean } = {};
    if (name.value.trim() !== team.name) change.name = name.value.trim();
    if (revoke.checked !== team.revokeKeysOnLeave) change.revokeKeysOnLeave = revoke.checked;
    if (Object.keys(change).length === 0) {
      announce('Nothing changed.');
      return;
    }
    void busy(form, async () => {
      try {
        const saved = await teamsApi.update(team.id, change);
        Object.assign(team, { name: saved.name ?? team.name, revokeKeysOnLeave: saved.revokeKeysOnLeave ?? team.revokeKeysOnLeave });
        await teamsChanged();
        announce('The team’s settings are saved.');
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

  const limits = h('div', {}, h('p', {}, 'Loading the team’s limits…'));
  const children: HTMLElement[] = [
    h('h1', {}, `${team.name}: settings`),
    form,
    h('section', { 'aria-labelledby': 'team-limits-heading' }, h('h2', { id: 'team-limits-heading' }, 'Limits for all the team’s keys'), limits),
  ];
  if (canDeleteTeam(team.role)) {
    const del = h('button', { type: 'button', class: 'danger' }, 'Delete the team');
    del.addEventListener('click', () => void deleteTeam(del));
    children.push(
      h('section', { 'aria-labelledby': 'delete-heading' }, h('h2', { id: 'delete-heading' }, 'Delete the team'), h('p', {}, 'Deleting the team revokes all its keys and ends every membership and invitation.'), del),
    );
  }
  root.replaceChildren(...children);
  void showLimits();

  /** Shared by every key of the team, on top of each key's own: the tighter limit wins. */
  async function showLimits(): Promise<void> {
    try {
      const current = await teamsApi.limits(team.id);
      limits.replaceChildren(
        limitsSummary(current, 'No limit'),
        limitsForm({
          id: 'team-limits',
          title: 'Change the team’s limits',
          hint: 'Shared by all the team’s keys, on top of each key’s own.',
          current,
          save: async (change) => {
            await teamsApi.updateLimits(team.id, change);
            await showLimits();
          },
          saved: 'The team’s limits are saved.',
        }),
      );
    } catch (err) {
      limits.replaceChildren(h('p', {}, `The team’s limits are not available: ${(err as Error).message}`));
    }
  }

  async function deleteTeam(trigger: HTMLElement): Promise<void> {
    const confirmed = await ask({
      title: `Delete “${team.name}”?`,
      body: [h('p', {}, 'Every key of the team is revoked: refused at once here and within seconds everywhere. This cannot be undone.')],
      confirm: 'Delete team',
      danger: true,
      returnTo: () => trigger,
    });
    if (!confirmed) return;
    try {
      await teamsApi.remove(team.id);
      await teamsChanged();
      navigateThenAnnounce('#teams', `Team “${team.name}” deleted; its keys are revoked.`);
    } catch (err) {
      showError((err as Error).message);
    }
  }
}
