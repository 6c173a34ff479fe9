import {
  assignableRoles,
  canChangeMember,
  canCreateTeamKeys,
  canDeleteTeam,
  canEditSettings,
  canManageMembers,
  canManageTeamKey,
  canReadTeamAudit,
  departureText,
  invitationFromUrl,
  isLastOwner,
  roleOf,
  teamHref,
  teamKeyHref,
  teamKeyPage,
  teamPagesFor,
  teamRouteOf,
} from '../../../console/src/team-rules';

import { decideInvite, decideRemoval, decideRoleChange, decideTeamChange, decideTeamKey, decideTeamRead, TEAM_ROLES as API_ROLES } from '../../../functions/src/teams/roles';
import { TEAM_ROLES } from '../../../console/src/team-rules';

const TOKEN = 'AbCdEf0123456789_-xyzXYZ';

describe('console: what a team role may do', () => {
  it('invites and changes no role above its own; only owners make owners', () => {
    expect(assignableRoles('owner')).toEqual(['owner', 'admin', 'developer', 'auditor']);
    expect(assignableRoles('admin')).toEqual(['admin', 'developer', 'auditor']);
    expect(assignableRoles('developer')).toEqual([]);
    expect(assignableRoles('auditor')).toEqual([]);
    expect([canManageMembers('owner'), canManageMembers('admin'), canManageMembers('developer'), canManageMembers('auditor')]).toEqual([true, true, false, false]);
  });

  it('an admin never touches an owner; an owner touches anyone; developers and auditors no one', () => {
    expect(canChangeMember('admin', 'owner')).toBe(false);
    expect(canChangeMember('admin', 'admin')).toBe(true);
    expect(canChangeMember('admin', 'developer')).toBe(true);
    expect(canChangeMember('owner', 'owner')).toBe(true);
    expect(canChangeMember('developer', 'auditor')).toBe(false);
    expect(canChangeMember('auditor', 'developer')).toBe(false);
  });

  it('the audit trail: owners, admins, auditors of the team, and project admins and auditors', () => {
    expect(canReadTeamAudit('owner', {})).toBe(true);
    expect(canReadTeamAudit('admin', {})).toBe(true);
    expect(canReadTeamAudit('auditor', {})).toBe(true);
    expect(canReadTeamAudit('developer', {})).toBe(false);
    expect(canReadTeamAudit('developer', { auditor: true })).toBe(true);
    expect(canReadTeamAudit('developer', { admin: true })).toBe(true);
    expect(canReadTeamAudit('developer', { admin: false, auditor: false })).toBe(false);
  });

  it('settings for owners and admins, deletion for owners, keys for all but auditors', () => {
    expect(['owner', 'admin', 'developer', 'auditor'].map((r) => canEditSettings(roleOf(r)!))).toEqual([true, true, false, false]);
    expect(['owner', 'admin', 'developer', 'auditor'].map((r) => canDeleteTeam(roleOf(r)!))).toEqual([true, false, false, false]);
    expect(['owner', 'admin', 'developer', 'auditor'].map((r) => canCreateTeamKeys(roleOf(r)!))).toEqual([true, true, true, false]);
  });

  it('a developer manages the team keys they created, owners and admins every one, auditors none', () => {
    expect(canManageTeamKey('developer', 'u1', 'u1')).toBe(true);
    expect(canManageTeamKey('developer', 'u1', 'u2')).toBe(false);
    expect(canManageTeamKey('developer', 'u1', null)).toBe(false);
    expect(canManageTeamKey('developer', '', '')).toBe(false);
    expect(canManageTeamKey('admin', 'u1', 'u2')).toBe(true);
    expect(canManageTeamKey('owner', 'u1', undefined)).toBe(true);
    expect(canManageTeamKey('auditor', 'u1', 'u1')).toBe(false);
  });

  it("a team key's page: changes only for who may make them; the team's trail for its readers, else my own events", () => {
    expect(teamKeyPage('developer', {}, 'u1', 'u1')).toEqual({ manage: true, events: 'mine' });
    expect(teamKeyPage('developer', {}, 'u1', 'u2')).toEqual({ manage: false, events: 'mine' });
    expect(teamKeyPage('developer', { auditor: true }, 'u1', 'u2')).toEqual({ manage: false, events: 'team' });
    expect(teamKeyPage('admin', {}, 'u1', 'u2')).toEqual({ manage: true, events: 'team' });
    expect(teamKeyPage('owner', {}, 'u1', null)).toEqual({ manage: true, events: 'team' });
    expect(teamKeyPage('auditor', {}, 'u1', 'u1')).toEqual({ manage: false, events: 'team' });
    // As the API decides, for every role: a key I made and one someone else made.
    for (const role of TEAM_ROLES) {
      for (const mine of [true, false]) {
        expect([role, mine, teamKeyPage(role, {}, 'me', mine ? 'me' : 'other')]).toEqual([role, mine, { manage: decideTeamKey(role, 'manage', mine).accepted, events: decideTeamRead(role, 'audit').accepted ? 'team' : 'mine' }]);
      }
    }
  });

  it('the last owner is the only owner; with two owners neither is the last', () => {
    const one = [
      { uid: 'a', role: 'owner' },
      { uid: 'b', role: 'admin' },
    ];
    expect(isLastOwner(one, 'a')).toBe(true);
    expect(isLastOwner(one, 'b')).toBe(false);
    expect(isLastOwner([...one, { uid: 'c', role: 'owner' }], 'a')).toBe(false);
  });

  it('the team navigation follows the role', () => {
    expect(teamPagesFor('owner', {})).toEqual(['keys', 'members', 'audit', 'settings']);
    expect(teamPagesFor('admin', {})).toEqual(['keys', 'members', 'audit', 'settings']);
    expect(teamPagesFor('developer', {})).toEqual(['keys', 'members']);
    expect(teamPagesFor('developer', { auditor: true })).toEqual(['keys', 'members', 'audit']);
    expect(teamPagesFor('auditor', {})).toEqual(['keys', 'members', 'audit']);
  });

  it('knows only the four roles', () => {
    expect(roleOf('admin')).toBe('admin');
    expect(roleOf('Owner')).toBeUndefined();
    expect(roleOf('superuser')).toBeUndefined();
    expect(roleOf(3)).toBeUndefined();
  });
});

describe('console: the team rules offer exactly what the API accepts (functions/src/teams/roles.ts)', () => {
  const ok = (d: { accepted: boolean }) => d.accepted;
  const many = 2; // owners in the team: nobody is the last owner here

  it('the same roles, in the same order', () => {
    expect([...TEAM_ROLES]).toEqual([...API_ROLES]);
  });

  it('inviting and changing roles: offered where the API accepts, for every pair of roles', () => {
    for (const actor of TEAM_ROLES) {
      expect(assignableRoles(actor)).toEqual(TEAM_ROLES.filter((role) => ok(decideInvite(actor, role))));
      for (const from of TEAM_ROLES) {
        // The console offers a member's role select when it may change them at all, with the roles it may give.
        const anyChange = TEAM_ROLES.some((to) => to !== from && ok(decideRoleChange({ actor, from, to, owners: many })));
        expect([actor, from, canChangeMember(actor, from)]).toEqual([actor, from, anyChange]);
        for (const to of assignableRoles(actor)) if (canChangeMember(actor, from)) expect([actor, from, to, ok(decideRoleChange({ actor, from, to, owners: many }))]).toEqual([actor, from, to, true]);
        expect([actor, from, canChangeMember(actor, from)]).toEqual([actor, from, ok(decideRemoval({ actor, target: from, self: false, owners: many }))]);
      }
    }
  });

  it('settings, deletion, team keys and the audit trail: as the API decides, for every role', () => {
    for (const role of TEAM_ROLES) {
      expect([role, canEditSettings(role)]).toEqual([role, ok(decideTeamChange(role, 'update'))]);
      expect([role, canDeleteTeam(role)]).toEqual([role, ok(decideTeamChange(role, 'delete'))]);
      expect([role, canCreateTeamKeys(role)]).toEqual([role, ok(decideTeamKey(role, 'create', false))]);
      expect([role, canManageTeamKey(role, 'me', 'me')]).toEqual([role, ok(decideTeamKey(role, 'manage', true))]);
      expect([role, canManageTeamKey(role, 'me', 'someone else')]).toEqual([role, ok(decideTeamKey(role, 'manage', false))]);
      expect([role, canReadTeamAudit(role, {})]).toEqual([role, ok(decideTeamRead(role, 'audit'))]);
    }
  });
});

describe('console: team routes', () => {
  it('reads the team and its page from the hash, keys by default', () => {
    expect(teamRouteOf('#team/t_1-A')).toEqual({ teamId: 't_1-A', page: 'keys' });
    expect(teamRouteOf('#team/abc/members')).toEqual({ teamId: 'abc', page: 'members' });
    expect(teamRouteOf('#team/abc/settings')).toEqual({ teamId: 'abc', page: 'settings' });
    expect(teamRouteOf('#team/abc/audit')).toEqual({ teamId: 'abc', page: 'audit' });
    expect(teamRouteOf('#team/abc/secrets')).toBeUndefined();
    expect(teamRouteOf('#team/')).toBeUndefined();
    expect(teamRouteOf('#team/a b')).toBeUndefined();
    expect(teamRouteOf('#keys')).toBeUndefined();
    expect(teamHref('abc')).toBe('#team/abc/keys');
    expect(teamHref('abc', 'members')).toBe('#team/abc/members');
    expect(teamRouteOf(teamHref('x-1', 'audit'))).toEqual({ teamId: 'x-1', page: 'audit' });
    expect(teamRouteOf('#team/abc/keys/K3y1d')).toEqual({ teamId: 'abc', page: 'keys', keyId: 'K3y1d' });
    expect(teamRouteOf(teamKeyHref('abc', 'K3y1d'))).toEqual({ teamId: 'abc', page: 'keys', keyId: 'K3y1d' });
    expect(teamRouteOf('#team/abc/members/K3y1d')).toBeUndefined();
    expect(teamRouteOf('#team/abc/keys/k_1')).toBeUndefined();
  });
});

describe('console: the invitation link', () => {
  const url = (search: string, hash: string) => ({ pathname: '/', search, hash });

  it('reads the API’s link (/invitations/accept#token=…) and sends the page back to the console without the token', () => {
    const link = new URL(`http://127.0.0.1:5050/invitations/accept?authEmulator=127.0.0.1:9199#token=kwi_${TOKEN}`);
    expect(invitationFromUrl(link)).toEqual({ token: `kwi_${TOKEN}`, cleanUrl: '/?authEmulator=127.0.0.1%3A9199#invitation' });
    expect(invitationFromUrl({ pathname: '/invitations/accept/', search: '', hash: `#token=kwi_${TOKEN}` })).toEqual({ token: `kwi_${TOKEN}`, cleanUrl: '/#invitation' });
    expect(invitationFromUrl({ pathname: '/invitations/accept', search: '', hash: '' })).toBeUndefined();
  });

  it('takes the token from the hash and gives the address back without it', () => {
    expect(invitationFromUrl(url('', `#invitation?token=${TOKEN}`))).toEqual({ token: TOKEN, cleanUrl: '/#invitation' });
    expect(invitationFromUrl(url('?authEmulator=127.0.0.1:9199', `#accept?token=${TOKEN}`))).toEqual({ token: TOKEN, cleanUrl: '/?authEmulator=127.0.0.1%3A9199#invitation' });
    expect(invitationFromUrl(url('', `#invitations/accept?token=${TOKEN}`))?.token).toBe(TOKEN);
  });

  it('takes the token from the query too, and keeps the other parameters', () => {
    expect(invitationFromUrl(url(`?invitation=${TOKEN}&authEmulator=127.0.0.1:9199`, ''))).toEqual({ token: TOKEN, cleanUrl: '/?authEmulator=127.0.0.1%3A9199#invitation' });
    expect(invitationFromUrl(url(`?token=${TOKEN}`, '#keys'))).toEqual({ token: TOKEN, cleanUrl: '/#invitation' });
  });

  it('ignores what is not a token: too short, foreign characters, no link at all', () => {
    expect(invitationFromUrl(url('', '#invitation?token=short'))).toBeUndefined();
    expect(invitationFromUrl(url('', `#invitation?token=${TOKEN}<script>`))).toBeUndefined();
    expect(invitationFromUrl(url('', `#keys?token=${TOKEN}`))).toBeUndefined();
    expect(invitationFromUrl(url('', `#team/abc/keys`))).toBeUndefined();
    expect(invitationFromUrl(url('', `#audit?keyId=${TOKEN}`))).toBeUndefined();
    expect(invitationFromUrl(url('?authEmulator=127.0.0.1:9199', '#keys'))).toBeUndefined();
    expect(invitationFromUrl(url('', ''))).toBeUndefined();
  });
});

describe('console: what removal does to keys, in words', () => {
  it('no keys, kept keys, revoked keys', () => {
    expect(departureText([], false, 'bo@example.com')).toBe('bo@example.com created no team keys that are still active: removal changes no key.');
    expect(departureText([{ name: 'ci' }], false, 'bo@example.com')).toBe('The 1 team key bo@example.com created stay active: they belong to the team and keep working.');
    expect(departureText([{ name: 'ci' }, { name: 'cd' }], false, 'you')).toBe('The 2 team keys you created stay active: they belong to the team and keep working.');
    expect(departureText([{ name: 'ci' }, { name: 'cd' }], true, 'bo@example.com')).toBe(
      "This team revokes a leaver's keys: the 2 team keys bo@example.com created will be revoked, and clients using them will be refused.",
    );
  });
});
