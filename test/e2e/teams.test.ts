// Teams in a real browser (chromium driven by playwright-core, test/harness/browser.ts), against the whole local
// stack: an owner creates a team and invites a second person by email; the invitation mail is read
// from Firestore as the Trigger Email extension would; the second person accepts from its link (on
// a 375 px phone) and creates a team key; a program uses it; the owner removes that person; the key
// keeps working and the team is gone from the removed person's switcher.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page, Request } from 'playwright-core';
import { adminAuth, adminDb } from '../harness/admin';
import { api, signIn } from '../harness/auth';
import { describeInBrowser, launchBrowser } from '../harness/browser';
import { AUTH_EMULATOR_URL, BASE_URL } from '../harness/ports';
import { passes } from '../harness/eventually';

// Browser globals for the functions page.evaluate runs in the page (this file compiles without the DOM lib).
declare const document: any, location: any, localStorage: any, sessionStorage: any;

/** `npm run screenshots` writes them to docs/screenshots; a plain run to a temporary folder. */
const SCREENSHOTS = process.env.KEYWARD_SCREENSHOTS === '1' ? join(__dirname, '..', '..', 'docs', 'screenshots') : join(tmpdir(), 'keyward-screenshots');
async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.evaluate(() => document.activeElement?.blur?.());
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

const site = () => process.env.KEYWARD_BASE_URL ?? BASE_URL;
const authEmulator = () => process.env.FIREBASE_AUTH_EMULATOR_HOST ?? new URL(AUTH_EMULATOR_URL).host;
const consoleUrl = () => `${site()}/?authEmulator=${authEmulator()}`;
const keyIdOf = (key: string) => key.split('_')[1]!;
const password = () => `pw-${Math.random().toString(36).slice(2)}-${Date.now()}`;
const newEmail = (who: string) => `${who}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
const meWithKey = (key: string) => api('/v1/me', { headers: { authorization: `ApiKey ${key}` } });
/** Cold functions on a loaded machine take 10 to 20 s for a first call. */
const visible = (locator: Locator) => locator.first().waitFor({ state: 'visible', timeout: 30_000 });
const eventually = <T>(check: () => Promise<T>, timeoutMs = 15_000) => passes(check, { timeoutMs, everyMs: 250 });

/** The mail documents written for `to` (the Trigger Email extension's collection). */
async function mailsTo(to: string): Promise<Array<{ to: string; message: { subject: string; text: string; html: string } }>> {
  const snap = await adminDb().collection(process.env.KEYWARD_MAIL_COLLECTION || 'mail').where('to', '==', to).get();
  return snap.docs.map((d) => d.data() as never);
}

describeInBrowser('teams in the console', () => {
  jest.setTimeout(240_000);
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
    await browser?.close();
  });

  async function newPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    await context.addInitScript(() => {
      const seen: string[] = ((globalThis as unknown as { cspViolations: string[] }).cspViolations = []);
      document.addEventListener('securitypolicyviolation', (e: any) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    return context.newPage();
  }

  async function signInWith(page: Page, email: string, pw: string, button: 'Sign in' | 'Create an account'): Promise<void> {
    await page.getByRole('heading', { name: 'Sign in to Keyward' }).waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(pw);
    await page.getByRole('button', { name: button, exact: true }).click();
  }

  /**
   * The switcher's entries (what opening it shows), once it has the latest read of my teams: it
   * is drawn again after every page change, so this waits until it says what is expected.
   */
  async function switcherShows(page: Page, expected: string[], timeoutMs = 15_000): Promise<void> {
    await eventually(async () => expect((await page.locator('details.switcher li a').allTextContents()).map((t) => t.trim())).toEqual(expected), timeoutMs);
  }

  /** A person signs up in the console and creates a team there: its page, id and name. */
  async function ownerWithTeam(): Promise<{ owner: Page; teamId: string; teamName: string }> {
    const owner = await newPage();
    await owner.goto(consoleUrl());
    await signInWith(owner, newEmail('owner'), password(), 'Create an account');
    await owner.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    await switcherShows(owner, ['Personal', 'Create or list teams…']);
    await owner.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Teams' }).click();
    await owner.getByRole('heading', { name: 'Teams', level: 1 }).waitFor();
    const teamName = `Acme ${Math.random().toString(36).slice(2, 6)}`;
    await owner.getByLabel('Team name').fill(teamName);
    await owner.getByRole('button', { name: 'Create team' }).click();
    await visible(owner.getByRole('heading', { name: `${teamName}: keys`, level: 1 }));
    await visible(owner.getByRole('status').getByText(`Team “${teamName}” created. You are its owner.`));
    const teamId = /#team\/([^/]+)\/keys$/.exec(owner.url())![1]!;
    await switcherShows(owner, ['Personal', `Team: ${teamName}`, 'Create or list teams…']);
    // From the keyboard: Enter opens it, its links are in reach, Escape closes it.
    await owner.locator('details.switcher summary').focus();
    await owner.keyboard.press('Enter');
    await visible(owner.getByRole('link', { name: `Team: ${teamName}` }));
    expect(await owner.getByRole('link', { name: `Team: ${teamName}` }).getAttribute('aria-current')).toBe('page');
    await owner.keyboard.press('Escape');
    await owner.getByRole('link', { name: `Team: ${teamName}` }).waitFor({ state: 'hidden' });
    return { owner, teamId, teamName };
  }

  const teamLink = (page: Page, name: string) => page.getByRole('navigation', { name: 'Team' }).getByRole('link', { name, exact: true });

  /** The owner invites `email` from the members page; resolves with the link of the mail it wrote. */
  async function invite(owner: Page, teamName: string, email: string, role: string): Promise<string> {
    if (!owner.url().endsWith('/members')) await teamLink(owner, 'Members').click();
    await owner.getByRole('heading', { name: `${teamName}: members`, level: 1 }).waitFor();
    await owner.getByLabel('Email').fill(email);
    await owner.getByLabel('Role').selectOption(role);
    await owner.getByRole('button', { name: 'Send invitation' }).click();
    await visible(owner.getByRole('status').getByText(`Invitation sent to ${email} as ${role}.`));
    await visible(owner.locator('table.invitations tbody tr').getByText(email));
    // The mail, as the Trigger Email extension reads it: a link to the console with the token in its hash.
    const [mail] = await eventually(async () => {
      const mails = await mailsTo(email);
      expect(mails).toHaveLength(1);
      return mails;
    });
    const link = /(https?:\/\/\S+\/invitations\/accept#token=[A-Za-z0-9_-]+)/.exec(mail!.message.text)?.[1];
    expect(link?.startsWith(`${site()}/invitations/accept#token=`)).toBe(true);
    expect(mail!.message.html).toContain(link!);
    return link!;
  }

  it('an owner invites a second person, who accepts from the mail, creates a team key and is removed: the key stays, the team leaves their switcher', async () => {
    const { owner, teamId, teamName } = await ownerWithTeam();

    // The owner invites the second person as a developer.
    const member = { email: newEmail('member'), password: password() };
    const link = await invite(owner, teamName, member.email, 'developer');
    expect(await owner.locator('table.invitations tbody tr').count()).toBe(1);

    // The second person: an account with that (verified) email, on a phone, opens the link.
    const created = await adminAuth().createUser({ email: member.email, password: member.password, emailVerified: true });
    const phone = await newPage({ width: 375, height: 800 });
    const requests: Request[] = [];
    phone.on('request', (r) => requests.push(r));
    const opened = new URL(link);
    opened.searchParams.set('authEmulator', authEmulator()); // the test stack's Auth emulator
    await phone.goto(opened.toString());
    await visible(phone.getByText('to accept your team invitation'));
    const token = new URLSearchParams(opened.hash.slice(1)).get('token')!;
    expect(phone.url()).not.toContain(token); // taken out of the address at once
    await signInWith(phone, member.email, member.password, 'Sign in');
    await visible(phone.getByRole('heading', { name: 'Join a team', level: 1 }));
    await phone.getByRole('button', { name: 'Accept the invitation' }).click();
    await visible(phone.getByRole('heading', { name: `${teamName}: keys`, level: 1 }));
    await visible(phone.getByRole('status').getByText(`You joined “${teamName}” as developer.`));
    expect(phone.url()).toBe(`${site()}/?authEmulator=${encodeURIComponent(authEmulator())}#team/${teamId}/keys`);

    // The token went only into the accept request's body: never a URL, never storage.
    const stored = await phone.evaluate(() => JSON.stringify({ url: location.href, local: { ...localStorage }, session: { ...sessionStorage } }));
    expect(stored).not.toContain(token);
    expect(requests.map((r) => r.url()).filter((url) => url.includes(token))).toEqual([]); // a hash is never sent
    const accepts = requests.filter((r) => r.url().endsWith('/v1/invitations/accept'));
    expect(accepts.map((r) => [r.method(), JSON.parse(r.postData() ?? '{}').token === token])).toEqual([['POST', true]]);

    // On the phone, the team key: the same form as a personal key, and the page fits 375 px.
    await phone.getByLabel('Name').fill('acme ci');
    await phone.getByRole('button', { name: 'Create key' }).click();
    await visible(phone.getByRole('heading', { name: 'New key “acme ci”' }));
    const key = await phone.getByLabel('API key', { exact: true }).inputValue();
    expect(key).toMatch(/^server_[A-Za-z0-9]+_[A-Za-z0-9]+$/);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await phone.getByRole('button', { name: 'Done: I have copied them' }).click();
    const row = phone.locator(`tr[data-key-id="${keyIdOf(key)}"]`);
    await visible(row.getByText('active'));
    expect((await row.locator('td[data-label="Created by"]').textContent())?.trim()).toBe('you');
    await screenshot(phone, 'team-keys-phone');
    // The key's own page, from its name, as for a personal key; back to the team's keys.
    await row.getByRole('link', { name: 'acme ci' }).click();
    await visible(phone.getByRole('heading', { name: /^acme ci/, level: 1 }));
    expect(phone.url().endsWith(`#team/${teamId}/keys/${keyIdOf(key)}`)).toBe(true);
    await phone.getByRole('link', { name: `← All keys of ${teamName}` }).click();
    await visible(phone.getByRole('heading', { name: `${teamName}: keys`, level: 1 }));
    await switcherShows(phone, ['Personal', `Team: ${teamName}`, 'Create or list teams…']);

    // A program uses the key: it acts for the team.
    const before = await meWithKey(key);
    expect(before.status).toBe(200);
    expect(before.json).toMatchObject({ team: { id: teamId, name: teamName }, auth: { method: 'api_key', keyId: keyIdOf(key) } });

    // The owner sees the new member and removes them; the dialog says first that their key stays.
    await teamLink(owner, 'Members').click();
    const memberRow = owner.locator(`tr[data-uid="${created.uid}"]`);
    const roleOfMember = memberRow.getByRole('combobox', { name: `Role of ${member.email}` });
    await visible(roleOfMember);
    expect(await roleOfMember.inputValue()).toBe('developer');
    // A role changes on the spot (and is read back from the API).
    await roleOfMember.selectOption('admin');
    await memberRow.getByRole('button', { name: `Save the role of ${member.email}` }).click();
    await visible(owner.getByRole('status').getByText(`${member.email} is now an admin.`));
    expect(await roleOfMember.inputValue()).toBe('admin');
    expect([await roleOfMember.isEnabled(), await memberRow.getByRole('button', { name: `Save the role of ${member.email}` }).isEnabled()]).toEqual([true, true]);
    expect(await owner.locator('table.invitations').count()).toBe(0); // accepted: no longer pending
    await screenshot(owner, 'team-members');
    await memberRow.getByRole('button', { name: `Remove ${member.email}` }).click();
    const dialog = owner.getByRole('dialog');
    await visible(dialog.getByText(`The 1 team key ${member.email} created stay active: they belong to the team and keep working.`));
    expect(await dialog.getByRole('list', { name: 'Keys that stay active' }).textContent()).toContain(keyIdOf(key));
    await dialog.getByRole('button', { name: 'Remove member' }).click();
    await visible(owner.getByRole('status').getByText(`${member.email} is no longer a member of “${teamName}”.`));
    await memberRow.waitFor({ state: 'detached' });

    // The key still works, for the team.
    const after = await meWithKey(key);
    expect(after.status).toBe(200);
    expect(after.json).toMatchObject({ team: { id: teamId, name: teamName }, auth: { method: 'api_key', keyId: keyIdOf(key) } });

    // The removed person no longer sees the team (within the revocation bound): not in the switcher, and its pages say so.
    await eventually(async () => {
      await phone.goto(`${site()}/?authEmulator=${authEmulator()}#teams`);
      await phone.getByRole('heading', { name: 'Teams', level: 1 }).waitFor();
      await switcherShows(phone, ['Personal', 'Create or list teams…'], 3000);
    }, 30_000);
    await phone.goto(`${site()}/?authEmulator=${authEmulator()}#team/${teamId}/keys`);
    await visible(phone.getByRole('heading', { name: 'No such team', level: 1 }));

    for (const page of [owner, phone]) expect(await page.evaluate(() => (globalThis as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
  });

  it('a team that revokes a leaver’s keys says so before the removal, names the key, and the key is then refused; team credits, a withdrawn invitation, and the team trail', async () => {
    const { owner, teamId, teamName } = await ownerWithTeam();
    const member = { email: newEmail('leaver'), password: password() };
    const link = await invite(owner, teamName, member.email, 'developer');
    const other = newEmail('other');
    await invite(owner, teamName, other, 'auditor');

    // The member joins and makes a team key outside the browser (REST with an ID token), as a script would.
    await adminAuth().createUser({ email: member.email, password: member.password, emailVerified: true });
    const signedIn = await signIn(member.email, member.password);
    const bearer = { authorization: `Bearer ${signedIn.idToken}`, 'content-type': 'application/json' };
    const token = new URLSearchParams(new URL(link).hash.slice(1)).get('token');
    const joined = await api('/v1/invitations/accept', { method: 'POST', headers: bearer, body: JSON.stringify({ token }) });
    expect(joined.status).toBe(200);
    expect(joined.json).toEqual({ team: { id: teamId, name: teamName, role: 'developer' } });
    const made = await api('/v1/keys', { method: 'POST', headers: bearer, body: JSON.stringify({ name: 'leaver ci', team: teamId }) });
    expect(made.status).toBe(201);
    const key = made.json.key as string;
    expect((await meWithKey(key)).status).toBe(200);

    // The key's own page, for the owner: its recent events are the team's trail (the member's
    // key.create, which a personal filter would not show the owner), with the owner's actions.
    await eventually(async () => {
      await owner.goto(`${site()}/?authEmulator=${encodeURIComponent(authEmulator())}#team/${teamId}/keys/${made.json.id}`);
      await visible(owner.getByRole('heading', { name: /^leaver ci/, level: 1 }));
      const createdEvent = owner.locator('ul.events li[data-event="key.create"]');
      await createdEvent.first().waitFor({ state: 'visible', timeout: 3000 });
      expect(await createdEvent.allTextContents()).toEqual([expect.stringContaining(`by ${member.email}`)]);
    }, 30_000);
    expect(await owner.getByRole('button', { name: 'Revoke leaver ci' }).count()).toBe(1);
    expect(await owner.getByRole('link', { name: 'The team’s audit trail' }).count()).toBe(1);

    // Settings: the owner turns on revoking a leaver's keys.
    await teamLink(owner, 'Settings').click();
    await owner.getByRole('heading', { name: `${teamName}: settings`, level: 1 }).waitFor();
    const revokeOnLeave = owner.getByLabel('Revoke the keys a member created when they leave or are removed');
    expect(await revokeOnLeave.isChecked()).toBe(false);
    await revokeOnLeave.check();
    await owner.getByRole('button', { name: 'Save settings' }).click();
    await visible(owner.getByRole('status').getByText('The team’s settings are saved.'));

    // The team's own credits, shared by its keys: set here, spent by the member's key until quota_exceeded.
    const teamLimit = (name: string) => owner.locator(`dl.limits dd[data-limit="${name}"]`);
    await visible(teamLimit('credits'));
    expect(await teamLimit('credits').textContent()).toBe('Unmetered');
    await owner.getByLabel('Credits', { exact: true }).fill('1');
    await owner.getByRole('button', { name: 'Save limits' }).click();
    await visible(owner.getByRole('status').getByText('The team’s limits are saved.'));
    expect(await teamLimit('credits').textContent()).toBe('1');
    await eventually(async () => {
      const spent = await meWithKey(key);
      expect([spent.status, spent.json?.error?.code]).toEqual([429, 'quota_exceeded']);
    });

    // The pending invitation of the other address is withdrawn, after a question.
    await teamLink(owner, 'Members').click();
    const pending = owner.locator('table.invitations tbody tr');
    await visible(pending.getByText(other));
    expect(await pending.allTextContents()).toEqual([expect.stringContaining(other)]); // the accepted one is no longer pending
    await owner.getByRole('button', { name: `Withdraw the invitation of ${other}` }).click();
    await owner.getByRole('dialog').getByRole('button', { name: 'Withdraw invitation' }).click();
    await visible(owner.getByRole('status').getByText(`The invitation of ${other} is withdrawn.`));
    await visible(owner.getByText('No invitation is waiting for an answer.'));

    // Removal: the dialog names the key that will be revoked; afterwards the key is refused.
    const row = owner.locator(`tr[data-uid="${signedIn.uid}"]`);
    await row.getByRole('button', { name: `Remove ${member.email}` }).click();
    const dialog = owner.getByRole('dialog');
    await visible(dialog.getByText(`This team revokes a leaver's keys: the 1 team key ${member.email} created will be revoked, and clients using them will be refused.`));
    expect(await dialog.getByRole('list', { name: 'Keys that will be revoked' }).textContent()).toBe(`leaver ci ${made.json.id}`);
    expect(await dialog.getByRole('list', { name: 'Keys that stay active' }).count()).toBe(0);
    await dialog.getByRole('button', { name: 'Remove member' }).click();
    await visible(owner.getByRole('status').getByText(`${member.email} is no longer a member of “${teamName}”.`));
    await eventually(async () => expect((await meWithKey(key)).status).toBe(401));

    // The team's trail, newest first: every one of these changes.
    await teamLink(owner, 'Team audit').click();
    await owner.getByRole('heading', { name: `${teamName}: audit`, level: 1 }).waitFor();
    await eventually(async () => {
      await teamLink(owner, 'Team audit').click(); // the current page's link reads it again
      await owner.locator('table.audit tbody tr').first().waitFor(); // team.create is always there
      const events = await owner.locator('table.audit tbody tr').evaluateAll((rows: any[]) => rows.map((r) => r.dataset.event));
      for (const event of ['team.create', 'team.invite', 'team.accept', 'key.create', 'team.update', 'team.withdraw', 'team.member.remove', 'key.revoke']) expect(events).toContain(event);
      expect(events).not.toContain('auth.success');
    }, 30_000);
    await screenshot(owner, 'team-audit');
  });
});
