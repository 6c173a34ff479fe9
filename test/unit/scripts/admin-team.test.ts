import { memoryAuditSink } from '../../harness/memory';
import { parseCommand } from '../../../scripts/admin';
import { changeTeamGrants, parseTeamCommand } from '../../../scripts/admin-team';
import type { TeamChange, TeamRecord, TeamStore } from '../../../functions/src/teams/record';

const TEAM = 'AbCdEfGh12345678';

/** The part of a team store the grant command uses, in memory; `raced` makes the next change lose once. */
function store(team: TeamRecord) {
  const state = { team, raced: false, changes: 0 };
  const s: Pick<TeamStore, 'get' | 'change'> = {
    get: async (id) => (id === state.team.teamId ? { ...state.team } : undefined),
    async change(_id, revision, change: TeamChange) {
      if (state.raced) {
        state.raced = false;
        state.team = { ...state.team, revision: state.team.revision + 1 };
        return false;
      }
      if (revision !== state.team.revision) return false;
      state.changes++;
      state.team = { ...state.team, ...change.team, revision: revision + 1 };
      return true;
    },
  };
  return { state, store: s as TeamStore };
}

const team = (grants: string[]): TeamRecord => ({ teamId: TEAM, name: 'A', revokeKeysOnLeave: false, grants, owners: 1, createdAt: 0, createdBy: 'u', deletedAt: null, revision: 3 });

describe('admin CLI: team grants', () => {
  it('parses `team grant|revoke <permission> --team <id>`, and refuses anything else with a reason', () => {
    expect(parseCommand(['team', 'grant', 'reports:read', '--team', TEAM], {})).toMatchObject({ team: { change: 'grant', permission: 'reports:read', team: TEAM }, projectId: 'demo-keyward' });
    expect([
      parseTeamCommand(['team', 'give', 'x'], TEAM),
      parseTeamCommand(['team', 'grant', 'admin'], TEAM),
      parseTeamCommand(['team', 'grant', 'a b'], TEAM),
      parseTeamCommand(['team', 'grant', 'x', 'y'], TEAM),
      parseTeamCommand(['team', 'grant', 'x'], undefined),
      parseTeamCommand(['team', 'grant', 'x'], 'short'),
    ]).toEqual([expect.stringContaining('grant or revoke'), expect.stringContaining('permission'), expect.stringContaining('permission'), 'unexpected: y', expect.stringContaining('--team'), expect.stringContaining('--team')]);
  });

  it('grants and revokes on the team as stored, reads it again after a race, and audits each change', async () => {
    const audit = memoryAuditSink();
    const { state, store: s } = store(team(['a']));
    state.raced = true;
    expect(await changeTeamGrants(s, audit, { change: 'grant', permission: 'b', team: TEAM })).toEqual(['a', 'b']);
    expect(await changeTeamGrants(s, audit, { change: 'revoke', permission: 'a', team: TEAM })).toEqual(['b']);
    expect([state.team.grants, state.changes]).toEqual([['b'], 2]);
    expect(audit.events.map((e) => [e.event, e.actor, e.target, e.reason])).toEqual([
      ['team.grants', { method: 'admin_cli' }, { team: TEAM }, 'grant b'],
      ['team.grants', { method: 'admin_cli' }, { team: TEAM }, 'revoke a'],
    ]);
  });

  it('leaves the grants as they were when the audit log cannot be written', async () => {
    const audit = memoryAuditSink();
    audit.failing = true;
    const { state, store: s } = store(team(['a']));
    await expect(changeTeamGrants(s, audit, { change: 'grant', permission: 'b', team: TEAM })).rejects.toThrow('audit log could not be written');
    expect(state.team.grants).toEqual(['a']);
  });
});
