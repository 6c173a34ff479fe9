/**
 * Inviting to a team (owners and admins) by email and role, no role above my own, and the pending
 * invitations, each of which can be withdrawn. The API mails the link; the token in it is never
 * shown here (the API keeps only its hash).
 */
import { announce, ask, busy, clearFieldErrors, clearMessages, field, focusOn, h, setFieldError, showError } from '../dom';
import { when } from '../format/words';
import { assignableRoles, ROLE_WORDS, roleOf } from '../team-rules';
import { teamsApi, type Invitation, type Team } from '../teams-api';

export function renderInvitations(root: HTMLElement, team: Team): void {
  const email = h('input', { name: 'email', type: 'email', required: true, autocomplete: 'off', spellcheck: 'false' });
  const role = h('select', { name: 'role' }, ...assignableRoles(team.role).map((r) => h('option', { value: r, selected: r === 'developer' }, ROLE_WORDS[r])));
  const form = h(
    'form',
    { class: 'invite', 'aria-labelledby': 'invite-heading', novalidate: true },
    h('h2', { id: 'invite-heading' }, 'Invite someone'),
    h('div', { class: 'grid' }, field('Email', email, 'They get a mail with a link, valid for 7 days, that works only once and only for this address.'), field('Role', role)),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Send invitation')),
  );
  const pendingHeading = h('h2', { id: 'pending-heading' }, 'Pending invitations');
  const pending = h('div', { class: 'table-wrap' }, h('p', {}, 'Loading invitations…'));
  root.replaceChildren(form, h('section', { 'aria-labelledby': 'pending-heading' }, pendingHeading, pending));

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearMessages();
    clearFieldErrors(form);
    const chosen = roleOf(role.value);
    if (!email.value.trim() || !email.validity.valid) {
      setFieldError(email, 'Give the email address to invite.');
      showError('Give the email address to invite.');
      return;
    }
    if (!chosen) return;
    void busy(form, async () => {
      try {
        const sent = await teamsApi.invite(team.id, email.value.trim(), chosen);
        form.reset();
        await refresh();
        announce(`Invitation sent to ${sent.email} as ${sent.role}.`);
        return undefined;
      } catch (err) {
        return err as Error & { field?: string };
      }
    }).then((err) => {
      if (!err) return;
      showError(err.message);
      if (err.field === '/email') setFieldError(email, err.message);
      else if (err.field === '/role') setFieldError(role, err.message);
    });
  });

  async function refresh(): Promise<void> {
    try {
      // The API lists answered, withdrawn and expired invitations too: only pending ones can still be withdrawn.
      const invitations = (await teamsApi.invitations(team.id)).invitations.filter((inv) => inv.status === 'pending');
      pending.replaceChildren(invitations.length ? table(invitations) : h('p', {}, 'No invitation is waiting for an answer.'));
    } catch (err) {
      pending.replaceChildren(h('p', {}, `Invitations are not available: ${(err as Error).message}`));
    }
  }

  function table(invitations: Invitation[]): HTMLElement {
    return h(
      'table',
      { class: 'invitations responsive' },
      h('thead', {}, h('tr', {}, ...['Email', 'Role', 'Expires', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))),
      h(
        'tbody',
        {},
        ...invitations.map((inv) =>
          h(
            'tr',
            { 'data-invitation-id': inv.id },
            h('th', { scope: 'row' }, inv.email),
            h('td', { 'data-label': 'Role' }, inv.role),
            h('td', { 'data-label': 'Expires' }, when(inv.expiresAt)),
            h(
              'td',
              { class: 'row-actions', 'data-label': 'Actions' },
              h('button', { type: 'button', 'aria-label': `Withdraw the invitation of ${inv.email}`, onclick: (e) => void withdraw(inv, e.currentTarget as HTMLElement) }, 'Withdraw'),
            ),
          ),
        ),
      ),
    );
  }

  async function withdraw(inv: Invitation, trigger: HTMLElement): Promise<void> {
    const confirmed = await ask({
      title: `Withdraw the invitation of ${inv.email}?`,
      body: [h('p', {}, 'The link in their mail stops working. You can invite them again later.')],
      confirm: 'Withdraw invitation',
      danger: true,
      returnTo: () => trigger,
    });
    if (!confirmed) return;
    try {
      await teamsApi.withdraw(team.id, inv.id);
      await refresh();
      announce(`The invitation of ${inv.email} is withdrawn.`);
      focusOn(pendingHeading);
    } catch (err) {
      showError((err as Error).message);
    }
  }

  void refresh();
}
