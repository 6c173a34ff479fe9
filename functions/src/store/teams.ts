/**
 * Teams in Firestore (teams/record.ts): collections `teams` (one document per team), `teamMembers`
 * (one per membership, id `<team id>_<base64url uid>`: listing a team's members is one equality
 * query on `teamId`, a person's teams one on `uid`, the per-user index; nothing scans all teams or
 * all members) and `teamInvitations` (the token's hash, never the token).
 *
 * Changes are conditional on the team's `revision`, as key records are (store/keys.ts): one batch
 * creates the marker `teams/{id}/revisions/{revision + 1}` first, then writes the team and its
 * members; two writers that read the same revision name the same marker, so one commit wins. The
 * marker is the batch's only write that can fail, and it comes first: the local stand-in stops a
 * batch at its first failing write. Each change adds `team` and `member` entries to the change
 * feed in the same batch, so every instance drops its cached team and memberships (docs/cache.md).
 */
import type { Firestore } from 'firebase-admin/firestore';
import type { InvitationRecord, MemberRecord, TeamRecord, TeamStore } from '../teams/record';
import type { ChangeWriter } from './changes';
import { datastoreCall, DEFAULT_DATASTORE_TIMEOUT_MS, unlessAlreadyExists } from './datastore';

export const memberDocId = (teamId: string, uid: string) => `${teamId}_${Buffer.from(uid, 'utf8').toString('base64url')}`;
/** The change-feed subject of one membership (lib/change-feed.ts kind `member`). */
export const memberSubject = (teamId: string, uid: string) => `${teamId}/${uid}`;

export function firestoreTeamStore(db: () => Firestore, timeoutMs = DEFAULT_DATASTORE_TIMEOUT_MS, changes?: Pick<ChangeWriter, 'add'>): TeamStore {
  const call = <T>(op: () => Promise<T>) => datastoreCall(timeoutMs, op);
  const teams = () => db().collection('teams');
  const members = () => db().collection('teamMembers');
  const invitations = () => db().collection('teamInvitations');
  const memberDoc = (teamId: string, uid: string) => members().doc(memberDocId(teamId, uid));
  return {
    async create(team, owner) {
      await call(() => {
        const batch = db().batch();
        batch.create(teams().doc(team.teamId), team);
        batch.set(memberDoc(owner.teamId, owner.uid), owner);
        changes?.add(batch, 'team', team.teamId, team.revision);
        changes?.add(batch, 'member', memberSubject(owner.teamId, owner.uid));
        return batch.commit();
      });
    },
    async get(teamId) {
      const snap = await call(() => teams().doc(teamId).get());
      return snap.exists ? (snap.data() as TeamRecord) : undefined;
    },
    async member(teamId, uid) {
      const snap = await call(() => memberDoc(teamId, uid).get());
      return snap.exists ? (snap.data() as MemberRecord) : undefined;
    },
    async members(teamId, limit) {
      const snap = await call(() => members().where('teamId', '==', teamId).limit(limit).get());
      return snap.docs.map((d) => d.data() as MemberRecord).sort((a, b) => a.addedAt - b.addedAt);
    },
    async membershipsOf(uid, limit) {
      const snap = await call(() => members().where('uid', '==', uid).limit(limit).get());
      return snap.docs.map((d) => d.data() as MemberRecord).sort((a, b) => b.addedAt - a.addedAt);
    },
    async change(teamId, revision, change) {
      return call(async () => {
        const doc = teams().doc(teamId);
        const batch = db().batch();
        batch.create(doc.collection('revisions').doc(String(revision + 1)), { at: Date.now() });
        batch.update(doc, { ...(change.team ?? {}), revision: revision + 1 });
        for (const m of change.put ?? []) batch.set(memberDoc(teamId, m.uid), m);
        for (const uid of change.remove ?? []) batch.delete(memberDoc(teamId, uid));
        changes?.add(batch, 'team', teamId, revision + 1);
        for (const uid of [...(change.put ?? []).map((m) => m.uid), ...(change.remove ?? [])]) changes?.add(batch, 'member', memberSubject(teamId, uid));
        return unlessAlreadyExists(() => batch.commit());
      });
    },
    async createInvitation(invitation) {
      await call(() => invitations().doc(invitation.invitationId).create(invitation));
    },
    async invitation(invitationId) {
      const snap = await call(() => invitations().doc(invitationId).get());
      return snap.exists ? (snap.data() as InvitationRecord) : undefined;
    },
    async invitations(teamId, limit) {
      const snap = await call(() => invitations().where('teamId', '==', teamId).limit(limit).get());
      return snap.docs.map((d) => d.data() as InvitationRecord).sort((a, b) => b.createdAt - a.createdAt);
    },
    async useInvitation(invitationId, patch) {
      return call(async () => {
        const doc = invitations().doc(invitationId);
        const batch = db().batch();
        batch.create(doc.collection('uses').doc('once'), { at: Date.now() });
        batch.update(doc, patch);
        return unlessAlreadyExists(() => batch.commit());
      });
    },
    async releaseInvitation(invitationId, patch) {
      await call(() => {
        const doc = invitations().doc(invitationId);
        const batch = db().batch();
        batch.update(doc, patch);
        batch.delete(doc.collection('uses').doc('once'));
        return batch.commit();
      });
    },
  };
}
