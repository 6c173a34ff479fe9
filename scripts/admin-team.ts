// `npm run admin -- team <grant|revoke> <permission> --team <id>`: what a team's keys may do (their
// grants, docs/teams.md), set by a project operator. The change is conditional on the team's
// revision like every team change (store/teams.ts), announced on the change feed in the same commit
// (the functions' cached team is dropped within about a second), and audited as `team.grants`.
import type { AuditSink } from '../functions/src/audit/events';
import { isTeamId, type TeamStore } from '../functions/src/teams/record';

export interface TeamGrantCommand {
  change: 'grant' | 'revoke';
  permission: string;
  team: string;
}

const PERMISSION = /^[A-Za-z0-9_.:-]{1,64}$/;

/** `team grant|revoke <permission> --team <id>` from the positionals and the --team value; a message when malformed. */
export function parseTeamCommand(positionals: string[], team: string | undefined): TeamGrantCommand | string {
  const [, verb, permission, ...extra] = positionals;
  if (verb !== 'grant' && verb !== 'revoke') return 'team takes grant or revoke';
  if (!permission || !PERMISSION.test(permission) || permission === 'admin' || permission === 'auditor') return `${verb} what? a permission name ([A-Za-z0-9_.:-]; not admin or auditor: a team holds permissions only)`;
  if (extra.length) return `unexpected: ${extra.join(' ')}`;
  if (!isTeamId(team)) return '--team <id> is required (16 letters and digits)';
  return { change: verb, permission, team };
}

/** Applies the change to the team's grants (read again on a race, a few times) and audits it; the grants after. */
export async function changeTeamGrants(store: TeamStore, audit: AuditSink, cmd: TeamGrantCommand): Promise<string[]> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const team = await store.get(cmd.team);
    if (!team || team.deletedAt !== null) throw new Error(`no team ${cmd.team}`);
    const grants = cmd.change === 'grant' ? [...new Set([...team.grants, cmd.permission])].sort() : team.grants.filter((g) => g !== cmd.permission);
    if (!(await store.change(team.teamId, team.revision, { team: { grants } }))) continue;
    try {
      await audit.record({ event: 'team.grants', outcome: 'success', actor: { method: 'admin_cli' }, target: { team: team.teamId }, reason: `${cmd.change} ${cmd.permission}` });
    } catch (err) {
      await store.change(team.teamId, team.revision + 1, { team: { grants: team.grants } }).catch(() => undefined);
      throw new Error(`the audit log could not be written, so the grants were left as they were: ${(err as Error).message}`, { cause: err });
    }
    return grants;
  }
  throw new Error('the team kept changing; try again');
}
