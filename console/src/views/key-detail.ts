/**
 * One key (`#keys/<id>`): its status and restrictions, its usage over 30 days, its limits and
 * credits (what is left, the next refill), its recent events, and editing: rename, narrow scopes,
 * bring the expiry forward, origins, IP addresses, metadata, pause, limits and credits. The API
 * refuses anything that would let the key do more; the form offers only that.
 */
import { api, type AuditEntry, type KeyView, type Me } from '../api';
import { announce, busy, clearFieldErrors, clearMessages, field, focusOn, h, setFieldError, showError } from '../dom';
import { fieldOfError, heldScopes, statusText } from '../format/keys';
import { endOfDayIso, splitList, when } from '../format/words';
import { usageChart, usageTotals } from './chart';
import { scopePicker } from './create-key';
import { callableOps, keyActions } from './key-actions';
import { limitsForm, limitsSummary } from './limits';
import { showNewSecret } from './keys';
import { teamHref, teamKeyPage } from '../team-rules';
import { teamKeyOps, teamsApi, type Team } from '../teams-api';

const localDay = (iso: string) => {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
};
const list = (items: string[], empty: string) => (items.length ? h('ul', { class: 'plain' }, ...items.map((i) => h('li', {}, h('code', {}, i)))) : empty);

/**
 * `team`: a team key's page (`#team/<team id>/keys/<key id>`), found among the team's keys: its
 * usage and events from the team's records, its scopes from the team's grants, and no action or
 * form my role may not use on it (team-rules.ts).
 */
export function renderKeyDetail(root: HTMLElement, me: Me, id: string, team?: Team): void {
  const ops = team ? teamKeyOps : callableOps;
  const secretSlot = h('div');
  const heading = h('h1', {}, 'Key');
  const body = h('div', {}, h('p', {}, 'Loading the key…'));
  const back = team ? h('a', { href: teamHref(team.id) }, `← All keys of ${team.name}`) : h('a', { href: '#keys' }, '← All keys');
  root.replaceChildren(h('p', {}, back), heading, secretSlot, body);

  async function load(): Promise<void> {
    let key: KeyView | undefined;
    try {
      key = (await (team ? teamsApi.keys(team.id) : api.listKeys())).keys.find((k) => k.id === id);
    } catch (err) {
      showError((err as Error).message);
      return;
    }
    if (!key) {
      heading.textContent = 'No such key';
      body.replaceChildren(h('p', {}, 'This key does not exist, or it is not yours.'));
      return;
    }
    heading.replaceChildren(key.name, ' ', h('span', { class: `badge badge-${key.status}` }, statusText(key)));
    document.title = `${key.name} · Keyward`;
    const usage = h('div', {}, h('p', {}, 'Loading usage…'));
    const events = h('div', {}, h('p', {}, 'Loading events…'));
    const rules = team ? teamKeyPage(team.role, me.claims, me.uid, key.createdBy) : { manage: true, events: 'mine' as const };
    const trail = team && rules.events === 'team' ? h('p', {}, h('a', { href: teamHref(team.id, 'audit') }, 'The team’s audit trail')) : null;
    body.replaceChildren(
      rules.manage
        ? h('div', { class: 'actions key-actions' }, ...keyActions(key, { changed: load, secret: (r) => showNewSecret(secretSlot, r, true), afterRevoke: () => focusOn(heading), ops }))
        : h('p', { class: 'hint' }, 'You read this team key; its owners and admins, and the developer who created it, change it.'),
      h('section', { 'aria-labelledby': 'detail-usage' }, h('h2', { id: 'detail-usage' }, 'Usage, last 30 days'), usage),
      h('section', { 'aria-labelledby': 'detail-settings' }, h('h2', { id: 'detail-settings' }, 'Settings'), settings(key)),
      limits(key, rules.manage),
      ...(key.status === 'revoked' || !rules.manage ? [] : [editForm(key)]),
      h(
        'section',
        { 'aria-labelledby': 'detail-events' },
        h('h2', { id: 'detail-events' }, 'Recent events'),
        team && rules.events === 'mine' ? h('p', { class: 'hint' }, 'Only the events you took part in: the team’s trail is for its owners, admins and auditors.') : null,
        events,
        team ? trail : h('p', {}, h('a', { href: `#audit?keyId=${key.id}` }, 'Every entry for this key in the audit log')),
      ),
    );
    void (team ? teamsApi.keyUsage(team.id, key.id) : api.usage({ keyId: key.id }))
      .then((report) => usage.replaceChildren(usageTotals(report), usageChart(report, `Requests with “${key!.name}” per day`)))
      .catch((err: Error) => usage.replaceChildren(h('p', {}, `Usage is not available: ${err.message}`)));
    void (team && rules.events === 'team' ? teamsApi.keyAudit(team.id, key.id) : api.audit({ keyId: key.id, pageSize: 10, kind: 'changes' }))
      .then((page) => events.replaceChildren(page.entries.length ? eventList(page.entries, page.users ?? {}) : h('p', {}, 'No events yet.')))
      .catch((err: Error) => events.replaceChildren(h('p', {}, `Events are not available: ${err.message}`)));
  }

  function settings(key: KeyView): HTMLElement {
    const row = (term: string, ...value: (Node | string)[]) => h('div', {}, h('dt', {}, term), h('dd', {}, ...value));
    return h(
      'dl',
      { class: 'settings' },
      row('ID', h('code', {}, key.id)),
      row('Type', key.type),
      row('Created', when(key.createdAt)),
      row('Expires', when(key.expiresAt)),
      row('Last used', when(key.lastUsedAt)),
      row('Scopes', key.scopes === null ? (team ? 'Everything the team’s grants allow' : 'Everything you may do') : list(key.scopes, 'None: only what needs no permission')),
      row('Allowed origins', list(key.allowedOrigins, key.type === 'web' ? 'None' : 'Any (only web keys are held to origins)')),
      row('Allowed IP addresses', list(key.allowedIps, 'Any address')),
      row('Metadata', key.metadata ? h('pre', { class: 'snippet' }, JSON.stringify(key.metadata, null, 2)) : 'None'),
      key.previousSecretValidUntil ? row('Previous secret', `works until ${when(key.previousSecretValidUntil)}`) : null,
    );
  }

  /** Its limits and credits, and (unless revoked, or not mine to change) the form that changes them. */
  function limits(key: KeyView, manage: boolean): HTMLElement {
    return h(
      'section',
      { 'aria-labelledby': 'detail-limits' },
      h('h2', { id: 'detail-limits' }, 'Limits and credits'),
      limitsSummary(key),
      key.status === 'revoked' || !manage
        ? null
        : limitsForm({
            id: `key-limits-${key.id}`,
            title: 'Change limits and credits',
            hint: `Within what the project allows this key type. ${team ? 'The team’s own limits' : 'Your own limits (on the keys page)'} also count every request.`,
            current: key,
            save: async (change) => {
              await ops.update(key.id, change);
              await load();
            },
            saved: `Limits of “${key.name}” saved.`,
          }),
    );
  }

  function editForm(key: KeyView): HTMLElement {
    const name = h('input', { name: 'name', required: true, maxlength: 100, autocomplete: 'off' });
    name.value = key.name;
    const expiresOn = h('input', { name: 'expiresOn', type: 'date', max: localDay(key.expiresAt) });
    const origins = h('textarea', { name: 'allowedOrigins', rows: 2, autocomplete: 'off', spellcheck: 'false' });
    origins.value = key.allowedOrigins.join('\n');
    const ips = h('textarea', { name: 'allowedIps', rows: 2, autocomplete: 'off', spellcheck: 'false' });
    ips.value = key.allowedIps.join('\n');
    const metadata = h('textarea', { name: 'metadata', rows: 3, autocomplete: 'off', spellcheck: 'false' });
    metadata.value = key.metadata ? JSON.stringify(key.metadata, null, 2) : '';
    // A team key acts with the team's grants, never my own claims: those are what it may keep.
    const scopes = scopePicker(key.scopes ?? (team ? [...team.grants] : heldScopes(me.claims)), key.scopes, `edit-scopes-${key.id}`, key.scopes === null, team ? 'Everything the team may do, now and later' : undefined);
    const controls: Record<string, HTMLElement> = { name, expiresAt: expiresOn, allowedOrigins: origins, allowedIps: ips, metadata, scopes: scopes.focusTarget };
    const form = h(
      'form',
      { class: 'edit-key', 'aria-labelledby': 'edit-heading', novalidate: true },
      h('h2', { id: 'edit-heading' }, 'Edit'),
      h('p', { class: 'hint' }, 'A key can be narrowed, never widened: for more, create a new key.'),
      h(
        'div',
        { class: 'grid' },
        field('Name', name),
        field('Bring the expiry forward to', expiresOn, `Now ${when(key.expiresAt)}. Leave empty to keep it.`),
        field('Allowed origins', origins, key.type === 'web' ? 'One per line; only removing origins is allowed.' : 'One per line (only web keys are held to origins).'),
        field('Allowed IP addresses', ips, key.allowedIps.length ? 'Addresses or ranges within the current ones.' : 'Addresses or CIDR ranges; empty allows any.'),
        field('Metadata (JSON object)', metadata, 'Up to 1 KiB, for your own bookkeeping; shown with the key.'),
      ),
      scopes.element,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save changes')),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      clearMessages();
      clearFieldErrors(form);
      const change: Record<string, unknown> = {};
      if (name.value.trim() !== key.name) change.name = name.value.trim();
      if (expiresOn.value) change.expiresAt = endOfDayIso(expiresOn.value) ?? expiresOn.value;
      const o = splitList(origins.value);
      if (o.join() !== key.allowedOrigins.join()) change.allowedOrigins = o;
      const i = splitList(ips.value);
      if (i.join() !== key.allowedIps.join()) change.allowedIps = i;
      const s = scopes.value();
      if (JSON.stringify(s) !== JSON.stringify(key.scopes)) change.scopes = s;
      const text = metadata.value.trim();
      if (text !== (key.metadata ? JSON.stringify(key.metadata, null, 2) : '')) {
        try {
          change.metadata = text ? (JSON.parse(text) as unknown) : null;
        } catch {
          setFieldError(metadata, 'metadata must be a JSON object, like {"team": "billing"}.');
          return;
        }
      }
      if (Object.keys(change).length === 0) {
        announce('Nothing to save: no field changed.');
        return;
      }
      void busy(form, async () => {
        try {
          await ops.update(key.id, change);
          return undefined;
        } catch (err) {
          return err as Error;
        }
      }).then(async (err) => {
        if (!err) {
          await load();
          announce(`Key “${String(change.name ?? key.name)}” saved.`);
          focusOn(heading);
          return;
        }
        showError(err.message);
        const which = fieldOfError(err as { field?: string }, Object.keys(controls));
        if (which) setFieldError(controls[which]!, err.message);
      });
    });
    return form;
  }

  void load();
}

function eventList(entries: AuditEntry[], users: Record<string, string>): HTMLElement {
  return h(
    'ul',
    { class: 'events' },
    ...entries.map((e) =>
      h(
        'li',
        { 'data-event': e.event },
        h('time', { datetime: e.timestamp }, when(e.timestamp, '—', true)),
        ' ',
        h('strong', {}, e.event),
        ' ',
        h('span', { class: `outcome outcome-${e.outcome}` }, e.outcome),
        e.actor?.uid ? ` by ${users[e.actor.uid] ?? e.actor.uid}` : '',
        e.reason ? `: ${e.reason}` : '',
      ),
    ),
  );
}
