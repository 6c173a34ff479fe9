/**
 * A team's members (`#team/<id>/members`): who is in it and with which role; for owners and admins,
 * changing a role and removing a member, which first says what removal does to the team keys that
 * member created (kept, or revoked when the team revokes a leaver's keys), then inviting by email
 * and the pending invitations. Anyone may leave, except the last owner.
 */
import type { Me } from '../api';
import { announce, ask, focusOn, h, navigateThenAnnounce, showError } from '../dom';
import { whenDay } from '../format/words';
import { assignableRoles, canChangeMember, canManageMembers, departureText, isLastOwner, roleOf, type TeamRole } from '../team-rules';
import { teamsApi, type Member, type Team } from '../teams-api';
import { renderInvitations } from './team-invitations';

const article = (role: TeamRole) => (role === 'developer' ? `a ${role}` : `an ${role}`);

export function renderTeamMembers(root: HTMLElement, me: Me, team: Team, teamsChanged: () => Promise<void>): void {
  const heading = h('h2', { id: 'members-heading' }, 'Members');
  const list = h('div', { class: 'table-wrap' }, h('p', {}, 'Loading members…'));
  const invitations = h('div');
  root.replaceChildren(h('h1', {}, `${team.name}: members`), h('section', { 'aria-labelledby': 'members-heading' }, heading, list), invitations);
  if (canManageMembers(team.role)) renderInvitations(invitations, team);

  async function refresh(): Promise<void> {
    try {
      const { members } = await teamsApi.members(team.id);
      list.replaceChildren(table(members));
    } catch (err) {
      showError((err as Error).message);
    }
  }

  function table(members: Member[]): HTMLElement {
    return h(
      'table',
      { class: 'members responsive' },
      h('thead', {}, h('tr', {}, ...['Member', 'Role', 'Joined', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ...members.map((m) => row(m, members))),
    );
  }

  function row(member: Member, members: Member[]): HTMLElement {
    const who = member.email ?? member.uid;
    const mine = member.uid === me.uid;
    const last = isLastOwner(members, member.uid);
    const changeable = canChangeMember(team.role, member.role) && !last;
    const actions: HTMLElement[] = [];
    if (mine && !last) actions.push(h('button', { type: 'button', class: 'danger', onclick: (e) => void remove(member, e.currentTarget as HTMLElement) }, 'Leave the team'));
    else if (!mine && changeable) actions.push(h('button', { type: 'button', class: 'danger', 'aria-label': `Remove ${who}`, onclick: (e) => void remove(member, e.currentTarget as HTMLElement) }, 'Remove'));
    return h(
      'tr',
      { 'data-uid': member.uid },
      h('th', { scope: 'row' }, who, mine ? ' (you)' : '', member.email ? h('br') : null, member.email ? h('code', { class: 'uid' }, member.uid) : null),
      h('td', { 'data-label': 'Role' }, changeable && !mine ? roleSelect(member, who) : h('span', {}, member.role, last ? ' (the last owner)' : '')),
      h('td', { 'data-label': 'Joined' }, whenDay(member.addedAt, '—')),
      h('td', { class: 'row-actions', 'data-label': 'Actions' }, ...(actions.length ? actions : ['—'])),
    );
  }

  /**
   * The role: a select labelled with the member's name and a button that saves it. Choosing alone
   * changes nothing (arrow keys on a closed select would otherwise send a change per press).
   */
  function roleSelect(member: Member, who: string): HTMLElement {
    const roles = assignableRoles(team.role);
    // A role the member holds that I may not give (an owner, for an admin) never reaches here: canChangeMember.
    const select = h('select', { 'aria-label': `Role of ${who}` }, ...roles.map((r) => h('option', { value: r, selected: r === member.role }, r)));
    const save = h('button', { type: 'submit', 'aria-label': `Save the role of ${who}` }, 'Save role');
    const form = h('form', { class: 'role-form' }, select, save);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const role = roleOf(select.value);
      if (!role) return;
      if (role === member.role) return announce(`${who} is already ${article(role)}.`);
      void setRole(member, who, role, select, save);
    });
    return form;
  }

  /** While it is sent, the row's controls wait; the list read afresh then replaces them. */
  async function setRole(member: Member, who: string, role: TeamRole, select: HTMLSelectElement, save: HTMLButtonElement): Promise<void> {
    select.disabled = save.disabled = true;
    try {
      await teamsApi.setRole(team.id, member.uid, role);
    } catch (err) {
      select.value = member.role;
      select.disabled = save.disabled = false;
      showError((err as Error).message);
      select.focus();
      return;
    }
    await refresh();
    announce(`${who} is now ${article(role)}.`);
    focusOn(list.querySelector<HTMLElement>(`tr[data-uid="${CSS.escape(member.uid)}"] select`) ?? heading);
  }

  async function remove(member: Member, trigger: HTMLElement): Promise<void> {
    const mine = member.uid === me.uid;
    const who = mine ? 'you' : (member.email ?? member.uid);
    let effect: Array<HTMLElement | null>;
    try {
      const departure = await teamsApi.departure(team.id, member.uid);
      // `revokes` is what the API will revoke; the rest of `keys` stays active.
      const revoked = new Set(departure.revokes.map((k) => k.id));
      const kept = departure.keys.filter((k) => !revoked.has(k.id));
      const list = (label: string, keys: Array<{ id: string; name: string }>) =>
        keys.length ? h('ul', { class: 'plain', 'aria-label': label }, ...keys.map((k) => h('li', {}, `${k.name} `, h('code', {}, k.id)))) : null;
      effect = [
        h('p', { class: 'departure' }, departureText(departure.revokes.length ? departure.revokes : kept, departure.revokes.length > 0, who)),
        list('Keys that will be revoked', departure.revokes),
        departure.revokes.length && kept.length ? h('p', {}, departureText(kept, false, who)) : null,
        list('Keys that stay active', kept),
      ];
    } catch (err) {
      showError(`What removal does to keys could not be read: ${(err as Error).message}`);
      return;
    }
    const confirmed = await ask({
      title: mine ? `Leave “${team.name}”?` : `Remove ${who} from “${team.name}”?`,
      body: [h('p', {}, `${mine ? 'You lose' : 'They lose'} access to the team and its keys in the console at once, and everywhere within seconds.`), ...effect],
      confirm: mine ? 'Leave the team' : 'Remove member',
      danger: true,
      returnTo: () => (trigger.isConnected ? trigger : heading),
    });
    if (!confirmed) return;
    try {
      await teamsApi.removeMember(team.id, member.uid);
      if (mine) {
        await teamsChanged();
        navigateThenAnnounce('#keys', `You left “${team.name}”.`);
        return;
      }
      announce(`${who} is no longer a member of “${team.name}”.`);
      await refresh();
      focusOn(heading);
    } catch (err) {
      showError((err as Error).message);
    }
  }

  void refresh();
}
