import type { RouteContext } from '../route-context';
import { endpoint } from '../endpoint';
import { isInteractive, type Identity } from '../../identity';
import { KeywardError } from '../../errors';
import { teamPrincipal } from '../../teams/record';
import { decideTeamLimits } from '../../teams/roles';
import { accept } from '../../decision';

/** Teams, members, invitations (actions/teams.ts, actions/invitations.ts), and a team's shared limits (actions/owner-limits.ts as `team:<id>`). */
export function registerTeams({ router, http, services }: RouteContext): void {
  const { teams, invitations, teamAccess } = services;
  endpoint(router, http, '/v1/teams', {
    GET: async ({ identity }) => ({ body: { teams: await teams.listMine(identity) } }),
    POST: async ({ identity, body, info }) => ({ status: 201, body: await teams.create(identity, body, info) }),
  });
  endpoint(router, http, '/v1/teams/:id', {
    GET: async ({ identity, params }) => ({ body: await teams.get(identity, params.id!) }),
    PATCH: async ({ identity, params, body, info }) => ({ body: await teams.update(identity, params.id!, body, info) }),
    DELETE: async ({ identity, params, info }) => ({ body: await teams.delete(identity, params.id!, info) }),
  });
  endpoint(router, http, '/v1/teams/:id/members', {
    GET: async ({ identity, params }) => ({ body: await teams.members(identity, params.id!) }),
  });
  endpoint(router, http, '/v1/teams/:id/members/:uid', {
    PATCH: async ({ identity, params, body, info }) => ({ body: await teams.setRole(identity, params.id!, params.uid!, body, info) }),
    DELETE: async ({ identity, params, info }) => ({ body: await teams.remove(identity, params.id!, params.uid!, info) }),
  });
  endpoint(router, http, '/v1/teams/:id/members/:uid/departure', {
    GET: async ({ identity, params }) => ({ body: await teams.departure(identity, params.id!, params.uid!) }),
  });
  endpoint(router, http, '/v1/teams/:id/invitations', {
    GET: async ({ identity, params }) => ({ body: await invitations.list(identity, params.id!) }),
    POST: async ({ identity, params, body, info }) => ({ status: 201, body: await invitations.invite(identity, params.id!, body, info) }),
  });
  endpoint(router, http, '/v1/teams/:id/invitations/:invitationId', {
    DELETE: async ({ identity, params, info }) => ({ body: await invitations.withdraw(identity, params.id!, params.invitationId!, info) }),
  });
  endpoint(router, http, '/v1/invitations/accept', {
    POST: async ({ identity, body, info }) => ({ body: await invitations.accept(identity, body, info) }),
  });
  endpoint(router, http, '/v1/teams/:id/grants', {
    PUT: async ({ identity, params, body, info }) => ({ body: await teams.setGrants(identity, params.id!, body, info) }),
  });
  // The team as the owner of its keys' shared limits: every member reads them, owners and admins set them.
  const asTeam = (identity: Identity, teamId: string): Identity => ({ ...identity, uid: teamPrincipal(teamId), actor: undefined });
  endpoint(router, http, '/v1/teams/:id/limits', {
    GET: async ({ identity, params }) => {
      await teamAccess.allowed(identity, params.id!, () => accept());
      return { body: await services.ownerLimits.get(asTeam(identity, params.id!)) };
    },
    PATCH: async ({ identity, params, body, info }) => {
      if (!isInteractive(identity)) throw new KeywardError('interactive_credential_required', 'Team limits are changed with a session cookie or an ID token.');
      await teamAccess.allowed(identity, params.id!, decideTeamLimits, true);
      return { body: await services.ownerLimits.update(asTeam(identity, params.id!), body, info) };
    },
  });
}
