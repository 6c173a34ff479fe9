// The team orchestrators (actions/teams.ts, actions/invitations.ts) on the in-memory twins: what
// each change stores and audits, that a lost race and a failed audit change nothing, and what a
// removal does to the keys a member made.
import { memoryAuditSink, memoryAuth } from '../../harness/memory';
import { memoryTeamStore } from '../../harness/memory-teams';
import { RefreshingCache } from '../../../functions/src/lib/refreshing-cache';
import { teamAccess } from '../../../functions/src/actions/team-access';
import { teamService } from '../../../functions/src/actions/teams';
import { invitationService } from '../../../functions/src/actions/invitations';
import { userDirectory } from '../../../functions/src/store/users';
import type { Identity } from '../../../functions/src/identity';
import type { MemberRecord, TeamRecord } from '../../../functions/src/teams/record';
import { noticeRecipient } from '../../../functions/src/notifications/expiry';

const person = (uid: string, claims = {}): Identity => ({ uid, claims, method: 'id_token' });

function setup() {
  const store = memoryTeamStore();
  const audit = memoryAuditSink();
  const now = () => 1_800_000_000_000;
  const auth = memoryAuth([
    { uid: 'ann', email: 'ann@example.com', claims: {}, disabled: false, validSince: 0 },
    { uid: 'bob', email: 'bob@example.com', claims: {}, disabled: false, validSince: 0 },
  ]);
  const users = userDirectory(() => auth.port, 1000);
  const access = teamAccess({
    store,
    teams: new RefreshingCache<string, TeamRecord | null>({ ttlMs: 1000, maxEntries: 100, now, load: async (id) => (await store.get(id)) ?? null }),
    members: new RefreshingCache<string, MemberRecord | null>({ ttlMs: 1000, maxEntries: 100, now, load: async (k) => (await store.member(k.split('/')[0]!, k.split('/')[1]!)) ?? null }),
  });
  const revoked: string[][] = [];
  const keys = {
    createdBy: async (_team: string, uid: string | undefined) => (uid === 'bob' ? [{ id: 'KeyOfBob00000001', name: 'ci' }] : []),
    revokeCreatedBy: async (_team: string, uid: string | undefined) => {
      const ids = uid === 'bob' ? ['KeyOfBob00000001'] : [];
      revoked.push(ids);
      return ids;
    },
  };
  const teams = teamService({ store, access, keys, users, audit, now });
  const mails: Array<{ id: string; to: string; text: string }> = [];
  const invitations = invitationService({ store, access, users, audit, mail: async (id, to, m) => void mails.push({ id, to, text: m.text }), site: 'https://keys.example', now });
  return { store, audit, teams, invitations, revoked, mails };
}

describe('team orchestrators', () => {
  it('creates a team owned by its creator, audited with the team id; a failed audit leaves no team', async () => {
    const s = setup();
    const team = await s.teams.create(person('ann'), { name: 'Acme' });
    expect([team.role, [...s.store.memberships.values()].map((m) => [m.uid, m.role, m.email])]).toEqual(['owner', [['ann', 'owner', 'ann@example.com']]]);
    expect(s.audit.events.map((e) => [e.event, e.target])).toEqual([['team.create', { team: team.id, uid: 'ann', role: 'owner' }]]);
    s.audit.failing = true;
    await expect(s.teams.create(person('ann'), { name: 'Other' })).rejects.toMatchObject({ code: 'unavailable' });
    expect((await s.teams.listMine(person('ann'))).map((t) => t.name)).toEqual(['Acme']);
  });

  it('a change decided on a stale revision changes nothing (409)', async () => {
    const s = setup();
    const { id } = await s.teams.create(person('ann'), { name: 'Acme' });
    const realChange = s.store.change;
    s.store.change = async (teamId, revision, change) => {
      s.store.change = realChange;
      await realChange(teamId, revision, { team: { name: 'someone else' } }); // lands first
      return realChange(teamId, revision, change);
    };
    await expect(s.teams.update(person('ann'), id, { name: 'mine' })).rejects.toMatchObject({ code: 'conflict' });
    expect(s.store.teams.get(id)!.name).toBe('someone else');
  });

  it('invites by mail with a token stored only as its hash, refuses an unverified email; a removal revokes the member’s keys when the team says so, as its dry run said', async () => {
    const s = setup();
    const { id } = await s.teams.create(person('ann'), { name: 'Acme' });
    const inv = await s.invitations.invite(person('ann'), id, { email: 'BOB@example.com', role: 'developer' });
    const token = /#token=(\S+)/.exec(s.mails[0]!.text)![1]!;
    expect([s.mails[0]!.to, JSON.stringify([...s.store.invitationsById.values()]).includes(token.split('_')[2]!)]).toEqual(['bob@example.com', false]);
    // Unverified email (memoryAuth has no emailVerified): refused.
    await expect(s.invitations.accept(person('bob'), { token })).rejects.toMatchObject({ code: 'forbidden' });
    expect(inv.status).toBe('pending');
    await s.store.change(id, s.store.teams.get(id)!.revision, { put: [{ teamId: id, uid: 'bob', role: 'developer', addedAt: 1 }] });
    const departure = await s.teams.departure(person('ann'), id, 'bob');
    expect(departure).toEqual({ uid: 'bob', revokeKeysOnLeave: false, keys: [{ id: 'KeyOfBob00000001', name: 'ci' }], revokes: [] });
    await s.teams.update(person('ann'), id, { revokeKeysOnLeave: true });
    expect(await s.teams.remove(person('ann'), id, 'bob')).toEqual({ uid: 'bob', removed: true, revokedKeys: ['KeyOfBob00000001'] });
    expect([s.revoked, s.store.memberships.has(`${id}/bob`)]).toEqual([[['KeyOfBob00000001']], false]);
  });

  it('tells the member who made a team key about it (a team has no mailbox), and a person about their own', () => {
    expect([noticeRecipient({ ownerUid: 'team:AbCdEfGh12345678', createdBy: 'bob' }), noticeRecipient({ ownerUid: 'ann' })]).toEqual(['bob', 'ann']);
  });
});
