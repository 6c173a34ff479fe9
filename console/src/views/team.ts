/** A team's pages (`#team/<id>/<page>`) and the navigation between them, for the role I hold. */
import type { Me } from '../api';
import { h } from '../dom';
import { TEAM_PAGES, teamHref, teamPagesFor, type TeamPage } from '../team-rules';
import type { Team } from '../teams-api';
import { renderKeyDetail } from './key-detail';
import { renderTeamAudit } from './team-audit';
import { renderTeamKeys } from './team-keys';
import { renderTeamMembers } from './team-members';
import { renderTeamSettings } from './team-settings';

export function teamNav(team: Team, me: Me): Array<[string, string]> {
  return [['#keys', 'Personal'], ...teamPagesFor(team.role, me.claims).map((page): [string, string] => [teamHref(team.id, page), TEAM_PAGES[page]])];
}

/** `team` is undefined when it is not among mine: another team's pages are as absent as the API's 404. */
export function renderTeamPage(root: HTMLElement, me: Me, team: Team | undefined, page: TeamPage, teamsChanged: () => Promise<void>, keyId?: string): void {
  if (!team) {
    root.replaceChildren(h('h1', {}, 'No such team'), h('p', {}, 'This team does not exist, or you are not a member of it.'), h('p', {}, h('a', { href: '#teams' }, 'Your teams')));
    return;
  }
  if (page === 'members') renderTeamMembers(root, me, team, teamsChanged);
  else if (page === 'audit') renderTeamAudit(root, me, team);
  else if (page === 'settings') renderTeamSettings(root, team, teamsChanged);
  else if (keyId) renderKeyDetail(root, me, keyId, team);
  else renderTeamKeys(root, me, team);
}
