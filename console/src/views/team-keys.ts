/**
 * A team's keys (`#team/<id>/keys`): the team's usage over 30 days, its keys with who created
 * each, and creating a team key with the same form as a personal one (scopes chosen from the
 * team's grants, never from my own claims). Keys I may not manage show no actions.
 */
import type { Me } from '../api';
import { focusOn, h, showError } from '../dom';
import { count, when, whenDay } from '../format/words';
import { canCreateTeamKeys, canManageTeamKey, teamKeyHref } from '../team-rules';
import { teamKeyOps, teamsApi, type Team, type TeamKey } from '../teams-api';
import { usageChart, usageTotals } from './chart';
import { createForm } from './create-key';
import { keyActions } from './key-actions';
import { showNewSecret } from './keys';
import { statusText } from '../format/keys';

export function renderTeamKeys(root: HTMLElement, me: Me, team: Team): void {
  const secretSlot = h('div');
  const listHeading = h('h2', { id: 'keys-heading' }, 'Team keys');
  const list = h('div', { class: 'table-wrap' }, h('p', {}, 'Loading keys…'));
  const overview = h('div', {}, h('p', {}, 'Loading usage…'));
  const emails = new Map<string, string>();
  root.replaceChildren(
    h('h1', {}, `${team.name}: keys`),
    h('p', { class: 'hint' }, `Keys of the team “${team.name}” belong to the team: they keep working when the person who created them leaves${team.revokeKeysOnLeave ? ', except that this team revokes a leaver’s keys' : ''}.`),
    secretSlot,
    h('section', { 'aria-labelledby': 'usage-heading', class: 'overview' }, h('h2', { id: 'usage-heading' }, 'Team usage, last 30 days'), overview),
    h('section', { 'aria-labelledby': 'keys-heading' }, listHeading, list),
    canCreateTeamKeys(team.role)
      ? createForm(
          me,
          async (key) => {
            await refresh();
            showNewSecret(secretSlot, key);
          },
          { send: (body) => teamsApi.createKey(team.id, body), scopes: team.grants ?? [], heading: 'Create a team key' },
        )
      : h('p', {}, 'As an auditor you read this team’s keys and usage; you cannot create or change keys.'),
  );

  async function refresh(): Promise<void> {
    try {
      const { keys } = await teamsApi.keys(team.id);
      list.replaceChildren(keys.length ? table(keys) : h('p', {}, 'The team has no keys yet.'));
    } catch (err) {
      showError((err as Error).message);
      return;
    }
    void teamsApi
      .usage(team.id)
      .then((usage) => {
        overview.replaceChildren(usageTotals(usage), usageChart(usage, 'Requests with all the team’s keys per day'));
        const perKey = new Map(usage.keys.map((k) => [k.keyId, k.requests]));
        for (const cell of list.querySelectorAll<HTMLElement>('td[data-usage-for]')) cell.textContent = count(perKey.get(cell.dataset.usageFor!) ?? 0);
      })
      .catch(() => overview.replaceChildren(h('p', {}, 'Team usage is not available right now.')));
  }

  const creator = (uid: string | null | undefined) => (!uid ? '—' : uid === me.uid ? 'you' : (emails.get(uid) ?? uid));

  function table(keys: TeamKey[]): HTMLElement {
    const head = ['Name and ID', 'Type', 'Status', 'Created by', 'Requests (30 days)', 'Last used', 'Expires', 'Actions'];
    return h(
      'table',
      { class: 'keys responsive' },
      h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ...keys.map(row)),
    );
  }

  function row(key: TeamKey): HTMLElement {
    const cell = (label: string, ...content: (Node | string)[]) => h('td', { 'data-label': label }, ...content);
    const actions = canManageTeamKey(team.role, me.uid, key.createdBy)
      ? keyActions(key, { changed: refresh, secret: (r) => showNewSecret(secretSlot, r, true), afterRevoke: () => focusOn(listHeading), ops: teamKeyOps })
      : [];
    return h(
      'tr',
      { 'data-key-id': key.id },
      h('th', { scope: 'row' }, h('a', { href: teamKeyHref(team.id, key.id) }, key.name), h('br'), h('code', { class: 'uid' }, key.id)),
      cell('Type', key.type),
      cell('Status', h('span', { class: `badge badge-${key.status}` }, statusText(key))),
      h('td', { 'data-label': 'Created by', 'data-created-by': key.createdBy ?? '' }, creator(key.createdBy)),
      h('td', { 'data-label': 'Requests (30 days)', 'data-usage-for': key.id }, '…'),
      cell('Last used', when(key.lastUsedAt)),
      cell('Expires', whenDay(key.expiresAt)),
      h('td', { class: 'row-actions', 'data-label': 'Actions' }, ...(actions.length ? actions : ['—'])),
    );
  }

  // Creators by email where the member list is readable; the uid otherwise (a member who left).
  void teamsApi
    .members(team.id)
    .then(({ members }) => {
      for (const m of members) if (m.email) emails.set(m.uid, m.email);
      for (const cell of list.querySelectorAll<HTMLElement>('td[data-created-by]')) cell.textContent = creator(cell.dataset.createdBy || null);
    })
    .catch(() => undefined);
  void refresh();
}
