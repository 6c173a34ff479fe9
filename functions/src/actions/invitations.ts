/**
 * Invitations to a team: an owner or admin invites an email address to a role no higher than
 * their own; a mail document for the Trigger Email extension carries a link with a single-use
 * token `kwi_<invitation id>_<secret>`. Only the secret's SHA-256 is stored; the token is never
 * logged, audited or shown again. A signed-in person whose verified email is the invited one
 * accepts it within 7 days, once: the use is a `create()` of a marker (store/teams.ts), so of two
 * racing accepts one wins. A second use, a wrong or unverified email, an expiry: refused, nothing
 * changed.
 */
import { timingSafeEqual } from 'node:crypto';
import type { AuditSink } from '../audit/events';
import { enforce } from '../decision';
import { invalidField, KeywardError } from '../errors';
import { isInteractive, type Identity } from '../identity';
import { isKeyId, newKeyId, randomBase62 } from '../keys/format';
import { tokenHash } from '../lib/token-hash';
import { parseRequest } from '../contract/parse';
import type { Body } from '../request';
import type { RequestContext } from '../request';
import type { MailMessage } from '../store/notifications';
import type { UserDirectory } from '../store/users';
import type { InvitationRecord, TeamStore } from '../teams/record';
import { decideInvitations, decideInvite, effectiveRole } from '../teams/roles';
import { auditedAfter, auditedChange } from './audited-change';
import type { TeamAccess } from './team-access';
import { teamEvent } from './teams';

export const INVITATION_TTL_MS = 7 * 86_400_000;
const TOKEN = /^kwi_([A-Za-z0-9]{16})_([A-Za-z0-9]{43})$/;
const MAX_INVITATIONS = 200;

export interface InvitationDeps {
  store: TeamStore;
  access: TeamAccess;
  users: UserDirectory;
  audit: AuditSink;
  /** Writes a Trigger Email document (store/notifications.ts `enqueueMail`). */
  mail: (id: string, to: string, message: MailMessage) => Promise<void>;
  /** The site the console answers on: the link's base. */
  site: string;
  now: () => number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const interactiveOnly = () => new KeywardError('interactive_credential_required', 'Invitations are managed with a session cookie or an ID token.');
const noSuchInvitation = () => new KeywardError('not_found', 'No such invitation.');
/** Compared in constant time (both are base64url SHA-256, 43 characters). */
const sameHash = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function invitationStatus(inv: InvitationRecord, now: number): 'pending' | 'accepted' | 'withdrawn' | 'expired' {
  if (inv.acceptedAt !== null) return 'accepted';
  if (inv.withdrawnAt !== null) return 'withdrawn';
  return inv.expiresAt <= now ? 'expired' : 'pending';
}

export const invitationView = (inv: InvitationRecord, now: number) => ({
  id: inv.invitationId,
  teamId: inv.teamId,
  email: inv.email,
  role: inv.role,
  status: invitationStatus(inv, now),
  createdAt: iso(inv.createdAt)!,
  expiresAt: iso(inv.expiresAt)!,
  acceptedAt: iso(inv.acceptedAt),
  withdrawnAt: iso(inv.withdrawnAt),
});

function invitationMail(teamName: string, role: string, link: string): MailMessage {
  const text = `You are invited to the team "${teamName}" on Keyward as ${role}. Accept within 7 days, signed in with this email address: ${link}`;
  return {
    subject: `Invitation to the team ${teamName}`,
    text,
    html: `<p>You are invited to the team <b>${escapeHtml(teamName)}</b> on Keyward as ${escapeHtml(role)}.</p><p><a href="${escapeHtml(link)}">Accept the invitation</a> within 7 days, signed in with this email address.</p>`,
  };
}

export function invitationService(deps: InvitationDeps) {
  const { store, access, audit } = deps;

  /**
   * An invitation is only as good as its sender's standing now: removed or demoted below the role
   * it offers, theirs lapse (else a member about to be removed could invite an address of their own
   * and come back). A project admin invites as an owner of every team without being a member.
   */
  async function inviterMayStill(invitation: InvitationRecord): Promise<void> {
    const [member, user] = await Promise.all([store.member(invitation.teamId, invitation.createdBy), deps.users.get(invitation.createdBy)]);
    const role = effectiveRole(member?.role, user && !user.disabled ? user.claims : {});
    if (!role || !decideInvite(role, invitation.role).accepted) {
      throw new KeywardError('conflict', 'The invitation lapsed: whoever sent it may no longer invite to this role. Ask for a new one.');
    }
  }

  return {
    async invite(identity: Identity, teamId: string, body: Body, info?: RequestContext) {
      if (!isInteractive(identity)) throw interactiveOnly();
      const { team, role: actor } = await access.standing(identity, teamId, true);
      const invite = parseRequest('invite', body);
      const email = invite.email.toLowerCase();
      enforce(decideInvite(actor, invite.role));
      const now = deps.now();
      const secret = randomBase62(43);
      const invitation: InvitationRecord = {
        invitationId: newKeyId(),
        teamId,
        email,
        role: invite.role,
        secretHash: tokenHash(secret),
        createdAt: now,
        createdBy: identity.uid,
        expiresAt: now + INVITATION_TTL_MS,
        acceptedAt: null,
        acceptedBy: null,
        withdrawnAt: null,
      };
      await store.createInvitation(invitation);
      // The token is in the fragment: browsers never send it to a server, so no log holds it.
      const link = `${deps.site}/invitations/accept#token=kwi_${invitation.invitationId}_${secret}`;
      const withdraw = () => store.useInvitation(invitation.invitationId, { withdrawnAt: now });
      await auditedChange(audit, teamEvent('team.invite', identity, teamId, info, { target: { role: invite.role }, reason: `invited as ${invite.role}` }), withdraw);
      try {
        await deps.mail(`invitation-${invitation.invitationId}`, email, invitationMail(team.name, invite.role, link));
      } catch (err) {
        await withdraw().catch(() => undefined); // no mail, no invitation: nobody could accept it
        throw err;
      }
      return invitationView(invitation, now);
    },

    async list(identity: Identity, teamId: string) {
      await access.allowed(identity, teamId, decideInvitations);
      const now = deps.now();
      return { invitations: (await store.invitations(teamId, MAX_INVITATIONS)).map((inv) => invitationView(inv, now)) };
    },

    async withdraw(identity: Identity, teamId: string, invitationId: string, info?: RequestContext) {
      if (!isInteractive(identity)) throw interactiveOnly();
      await access.allowed(identity, teamId, decideInvitations, true);
      const invitation = isKeyId(invitationId) ? await store.invitation(invitationId) : undefined;
      if (!invitation || invitation.teamId !== teamId) throw noSuchInvitation();
      const now = deps.now();
      if (invitationStatus(invitation, now) !== 'pending' || !(await store.useInvitation(invitationId, { withdrawnAt: now }))) {
        throw new KeywardError('conflict', 'The invitation was already accepted, withdrawn or expired.');
      }
      const withdrawn = { ...invitation, withdrawnAt: now };
      await auditedChange(audit, teamEvent('team.withdraw', identity, teamId, info, { target: { role: invitation.role } }), () => store.releaseInvitation(invitationId, { withdrawnAt: null }));
      return invitationView(withdrawn, now);
    },

    async accept(identity: Identity, body: Body, info?: RequestContext) {
      if (!isInteractive(identity)) throw interactiveOnly();
      const { token } = parseRequest('accept', body);
      const parts = TOKEN.exec(token);
      if (!parts) throw invalidField('token', 'token is not an invitation token.');
      const [, invitationId, secret] = parts as unknown as [string, string, string];
      const invitation = await store.invitation(invitationId);
      if (!invitation || !sameHash(invitation.secretHash, tokenHash(secret))) throw noSuchInvitation();
      const now = deps.now();
      const status = invitationStatus(invitation, now);
      if (status !== 'pending') throw new KeywardError('conflict', `The invitation is ${status === 'accepted' ? 'already used' : status}.`);
      const user = await deps.users.get(identity.uid);
      if (!user?.email || user.emailVerified !== true) throw new KeywardError('forbidden', 'Accepting an invitation needs a verified email address.');
      if (user.email.toLowerCase() !== invitation.email) throw new KeywardError('forbidden', 'This invitation is for another email address.');
      const team = await access.team(invitation.teamId);
      if (!team) throw new KeywardError('not_found', 'The team no longer exists.');
      await inviterMayStill(invitation);
      if (await store.member(team.teamId, identity.uid)) throw new KeywardError('conflict', 'You are already a member of this team.');
      if (!(await store.useInvitation(invitationId, { acceptedAt: now, acceptedBy: identity.uid }))) throw new KeywardError('conflict', 'The invitation is already used.');
      const member = { teamId: team.teamId, uid: identity.uid, role: invitation.role, addedAt: now, email: user.email };
      const release = () => store.releaseInvitation(invitationId, { acceptedAt: null, acceptedBy: null });
      // Joining moves the team's revision: a concurrent role change elsewhere in the team is read again, a few times.
      const released = async (err: unknown): Promise<never> => {
        await release().catch(() => undefined);
        throw err;
      };
      let joined = false;
      for (let attempt = 0; attempt < 5 && !joined; attempt++) {
        const current = await store.get(team.teamId).catch(released);
        if (!current || current.deletedAt !== null) {
          await release();
          throw new KeywardError('not_found', 'The team no longer exists.');
        }
        // Read after the team, and the change is conditional on its revision: a membership written
        // since (another invitation of theirs accepted at the same time) moved it, so this is read again.
        if (await store.member(team.teamId, identity.uid).catch(released)) {
          await release();
          throw new KeywardError('conflict', 'You are already a member of this team.');
        }
        joined = await store.change(team.teamId, current.revision, { team: { owners: current.owners + (member.role === 'owner' ? 1 : 0) }, put: [member] });
      }
      if (!joined) {
        await release();
        throw new KeywardError('unavailable', 'The team kept changing; try again.', { retryAfterSeconds: 1 });
      }
      access.forget(team.teamId, [identity.uid]);
      // Joined: the membership stands, and an entry that cannot be written is logged for operators.
      await auditedAfter(audit, teamEvent('team.accept', identity, team.teamId, info, { target: { uid: identity.uid, role: member.role } }));
      await auditedAfter(audit, teamEvent('team.member.add', identity, team.teamId, info, { target: { uid: identity.uid, role: member.role }, reason: 'invitation accepted' }));
      return { team: { id: team.teamId, name: team.name, role: member.role } };
    },
  };
}

export type InvitationService = ReturnType<typeof invitationService>;
