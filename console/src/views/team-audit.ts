/**
 * A team's audit trail (`#team/<id>/audit`): every team event and every event of its keys, newest
 * first, a page at a time (`GET /v1/audit?team=`). Owners, admins and auditors of the team, and
 * project admins and auditors, read it; others are told so without a request.
 */
import type { Me, AuditEntry } from '../api';
import { focusOn, h, showError } from '../dom';
import { when } from '../format/words';
import { canReadTeamAudit } from '../team-rules';
import { teamsApi, type Team } from '../teams-api';

export function renderTeamAudit(root: HTMLElement, me: Me, team: Team): void {
  const heading = h('h1', {}, `${team.name}: audit`);
  if (!canReadTeamAudit(team.role, me.claims)) {
    root.replaceChildren(heading, h('p', {}, 'The team’s audit trail is for its owners, admins and auditors.'));
    return;
  }
  const results = h('div', { class: 'table-wrap' }, h('p', {}, 'Loading the trail…'));
  const more = h('div', { class: 'actions' });
  root.replaceChildren(heading, h('p', { class: 'hint' }, 'Team events (members, roles, invitations, settings) and every event of the team’s keys, newest first.'), results, more);
  let users: Record<string, string> = {};
  const person = (uid?: string) => (uid ? (users[uid] ? `${users[uid]} (${uid})` : uid) : '—');

  async function load(pageToken?: string): Promise<void> {
    try {
      const page = await teamsApi.audit(team.id, pageToken);
      users = { ...users, ...(page.users ?? {}) };
      const table = results.querySelector('tbody');
      const rows = page.entries.map(row);
      if (pageToken && table) table.append(...rows);
      else results.replaceChildren(page.entries.length ? h('table', { class: 'audit responsive' }, head(), h('tbody', {}, ...rows)) : h('p', {}, 'No entries yet.'));
      more.replaceChildren(
        page.nextPageToken
          ? h('button', { type: 'button', onclick: () => void load(page.nextPageToken!).then(() => focusOn(rows.length ? results.querySelector('tbody tr:last-child th') : null)) }, 'Older entries')
          : h('span'),
      );
    } catch (err) {
      showError((err as Error).message);
      if (!pageToken) results.replaceChildren(h('p', {}, `The trail is not available: ${(err as Error).message}`));
    }
  }

  const head = () => h('thead', {}, h('tr', {}, ...['Time', 'Event', 'Outcome', 'By', 'Target'].map((t) => h('th', { scope: 'col' }, t))));

  function row(e: AuditEntry): HTMLElement {
    const target = [e.target?.uid ? person(e.target.uid) : '', e.target?.keyId ? `key ${e.target.keyId}` : '', e.target?.role ? `role ${e.target.role}` : ''].filter(Boolean).join(', ');
    return h(
      'tr',
      { 'data-event': e.event },
      h('th', { scope: 'row' }, when(e.timestamp, '—', true)),
      h('td', { 'data-label': 'Event' }, h('code', {}, e.event)),
      h('td', { 'data-label': 'Outcome', class: `outcome-${e.outcome}` }, e.outcome, e.reason ? ` (${e.reason})` : ''),
      h('td', { 'data-label': 'By' }, person(e.actor?.uid), e.actor?.keyId ? ` with key ${e.actor.keyId}` : ''),
      h('td', { 'data-label': 'Target' }, target || '—'),
    );
  }

  void load();
}
