// The pure role rules of teams (teams/roles.ts): every decision, exactly.
import { decideInvitations, decideInvite, decideRemoval, decideRoleChange, decideTeamChange, decideTeamKey, decideTeamRead, effectiveRole, TEAM_ROLES, type TeamRole } from '../../../functions/src/teams/roles';
import type { Decision } from '../../../functions/src/decision';

const code = (d: Decision) => (d.accepted ? 'ok' : d.code);

describe('team roles', () => {
  it('project-wide claims keep their meaning in every team', () => {
    expect([effectiveRole(undefined, {}), effectiveRole('developer', {}), effectiveRole(undefined, { admin: true }), effectiveRole('auditor', { admin: true }), effectiveRole(undefined, { auditor: true }), effectiveRole('admin', { auditor: true })]).toEqual([
      undefined,
      'developer',
      'owner',
      'owner',
      'auditor',
      'admin',
    ]);
  });

  it('changes of roles: owners change any, admins never touch owners, developers and auditors none, the last owner stays', () => {
    const table: Array<[TeamRole, TeamRole, TeamRole, number, string]> = [
      ['owner', 'developer', 'owner', 1, 'ok'],
      ['owner', 'owner', 'admin', 2, 'ok'],
      ['owner', 'owner', 'admin', 1, 'conflict'],
      ['admin', 'developer', 'admin', 1, 'ok'],
      ['admin', 'auditor', 'developer', 1, 'ok'],
      ['admin', 'developer', 'owner', 1, 'forbidden'],
      ['admin', 'owner', 'admin', 2, 'forbidden'],
      ['admin', 'admin', 'owner', 1, 'forbidden'],
      ['developer', 'developer', 'admin', 1, 'forbidden'],
      ['developer', 'auditor', 'developer', 1, 'forbidden'],
      ['auditor', 'auditor', 'developer', 1, 'forbidden'],
    ];
    expect(table.map(([actor, from, to, owners]) => code(decideRoleChange({ actor, from, to, owners })))).toEqual(table.map((row) => row[4]));
  });

  it('removals: anyone leaves but the last owner, admins remove below owner only', () => {
    const table: Array<[TeamRole, TeamRole, boolean, number, string]> = [
      ['developer', 'developer', true, 1, 'ok'],
      ['auditor', 'auditor', true, 1, 'ok'],
      ['owner', 'owner', true, 1, 'conflict'],
      ['owner', 'owner', true, 2, 'ok'],
      ['owner', 'owner', false, 2, 'ok'],
      ['owner', 'owner', false, 1, 'conflict'],
      ['admin', 'developer', false, 1, 'ok'],
      ['admin', 'owner', false, 2, 'forbidden'],
      ['developer', 'auditor', false, 1, 'forbidden'],
    ];
    expect(table.map(([actor, target, self, owners]) => code(decideRemoval({ actor, target, self, owners })))).toEqual(table.map((row) => row[4]));
  });

  it('invitations: owners and admins, for a role no higher than their own', () => {
    const rows = TEAM_ROLES.flatMap((actor) => TEAM_ROLES.map((role) => `${actor}>${role}:${code(decideInvite(actor, role))}`));
    expect(rows).toEqual([
      'owner>owner:ok', 'owner>admin:ok', 'owner>developer:ok', 'owner>auditor:ok',
      'admin>owner:forbidden', 'admin>admin:ok', 'admin>developer:ok', 'admin>auditor:ok',
      'developer>owner:forbidden', 'developer>admin:forbidden', 'developer>developer:forbidden', 'developer>auditor:forbidden',
      'auditor>owner:forbidden', 'auditor>admin:forbidden', 'auditor>developer:forbidden', 'auditor>auditor:forbidden',
    ]);
  });

  it('invitations are listed and withdrawn by owners and admins', () => {
    expect(TEAM_ROLES.map((r) => code(decideInvitations(r)))).toEqual(['ok', 'ok', 'forbidden', 'forbidden']);
  });

  it('team keys, the team itself and its trail', () => {
    expect(TEAM_ROLES.map((r) => [code(decideTeamKey(r, 'create', false)), code(decideTeamKey(r, 'manage', false)), code(decideTeamKey(r, 'manage', true))])).toEqual([
      ['ok', 'ok', 'ok'],
      ['ok', 'ok', 'ok'],
      ['ok', 'forbidden', 'ok'],
      ['forbidden', 'forbidden', 'forbidden'],
    ]);
    expect(TEAM_ROLES.map((r) => [code(decideTeamChange(r, 'update')), code(decideTeamChange(r, 'delete')), code(decideTeamRead(r, 'team')), code(decideTeamRead(r, 'audit'))])).toEqual([
      ['ok', 'ok', 'ok', 'ok'],
      ['ok', 'forbidden', 'ok', 'ok'],
      ['forbidden', 'forbidden', 'ok', 'forbidden'],
      ['forbidden', 'forbidden', 'ok', 'ok'],
    ]);
  });
});
