// Teams in a real browser (Debian's chromium driven by playwright-core), against the whole local
// stack: an owner creates a team and invites a second person by email; the invitation mail is read
// from Firestore as the Trigger Email extension would; the second person accepts from its link (on
// a 375 px phone) and creates a team key; a program uses it; the owner removes that person; the key
// keeps working and the team is gone from the removed person's switcher.
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page, Request } from 'playwright-core';
import { adminAuth, adminDb } from '../harness/admin';
import { api } from '../harness/auth';
import { AUTH_EMULATOR_URL, BASE_URL } from '../harness/ports';
import { passes } from '../harness/eventually';

// Browser globals for the functions page.evaluate runs in the page (this file compiles without the DOM lib).
declare const document: any, location: any, localStorage: any, sessionStorage: any;

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`browser tests skipped: ${CHROMIUM} not found (Debian: apt-get install -y chromium)`);
const describeInBrowser = haveChromium ? describe : describe.skip;

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
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
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

  /** The switcher's entries, as the person sees them (the disclosure opened, then closed again). */
  async function switcherEntries(page: Page): Promise<string[]> {
    const switcher = page.locator('details.switcher');
    await switcher.locator('summary').click();
    const entries = (await switcher.locator('li a').allTextContents()).map((t) => t.trim());
    await switcher.locator('summary').click();
    return entries;
  }

  it('an owner invites a second person, who accepts from the mail, creates a team key and is removed: the key stays, the team leaves their switcher', async () => {
    // The owner signs up and creates the team.
    const owner = await newPage();
    await owner.goto(consoleUrl());
    await signInWith(owner, newEmail('owner'), password(), 'Create an account');
    await owner.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    expect(await switcherEntries(owner)).toEqual(['Personal', 'Create or list teams…']);
    await owner.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Teams' }).click();
    await owner.getByRole('heading', { name: 'Teams', level: 1 }).waitFor();
    const teamName = `Acme ${Math.random().toString(36).slice(2, 6)}`;
    await owner.getByLabel('Team name').fill(teamName);
    await owner.getByRole('button', { name: 'Create team' }).click();
    await visible(owner.getByRole('heading', { name: `${teamName}: keys`, level: 1 }));
    const teamId = /#team\/([^/]+)\/keys$/.exec(owner.url())![1]!;
    expect(await switcherEntries(owner)).toEqual(['Personal', `Team: ${teamName}`, 'Create or list teams…']);

    // The owner invites the second person as a developer.
    const member = { email: newEmail('member'), password: password() };
    await owner.getByRole('navigation', { name: 'Team' }).getByRole('link', { name: 'Members' }).click();
    await owner.getByRole('heading', { name: `${teamName}: members`, level: 1 }).waitFor();
    await owner.getByLabel('Email').fill(member.email);
    await owner.getByLabel('Role').selectOption('developer');
    await owner.getByRole('button', { name: 'Send invitation' }).click();
    await visible(owner.getByRole('status').getByText(`Invitation sent to ${member.email} as developer.`));
    const pending = owner.locator('table.invitations tbody tr');
    await visible(pending.getByText(member.email));
    expect(await pending.count()).toBe(1);

    // The mail, as the Trigger Email extension reads it: a link to the console with the token in its hash.
    const [mail] = await eventually(async () => {
      const mails = await mailsTo(member.email);
      expect(mails).toHaveLength(1);
      return mails;
    });
    const link = /(https?:\/\/\S+\/invitations\/accept#token=[A-Za-z0-9_-]+)/.exec(mail!.message.text)?.[1];
    expect(link?.startsWith(`${site()}/invitations/accept#token=`)).toBe(true);
    expect(mail!.message.html).toContain(link!);

    // The second person: an account with that (verified) email, on a phone, opens the link.
    const created = await adminAuth().createUser({ email: member.email, password: member.password, emailVerified: true });
    const phone = await newPage({ width: 375, height: 800 });
    const requests: Request[] = [];
    phone.on('request', (r) => requests.push(r));
    const opened = new URL(link!);
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
    expect(await switcherEntries(phone)).toEqual(['Personal', `Team: ${teamName}`, 'Create or list teams…']);

    // A program uses the key: it acts for the team.
    const before = await meWithKey(key);
    expect(before.status).toBe(200);
    expect(before.json).toMatchObject({ team: { id: teamId, name: teamName }, auth: { method: 'api_key', keyId: keyIdOf(key) } });

    // The owner sees the new member and removes them; the dialog says first that their key stays.
    await owner.getByRole('navigation', { name: 'Team' }).getByRole('link', { name: 'Members' }).click();
    const memberRow = owner.locator(`tr[data-uid="${created.uid}"]`);
    const roleOfMember = memberRow.getByRole('combobox', { name: `Role of ${member.email}` });
    await visible(roleOfMember);
    expect(await roleOfMember.inputValue()).toBe('developer');
    // A role changes on the spot (and is read back from the API).
    await roleOfMember.selectOption('admin');
    await visible(owner.getByRole('status').getByText(`${member.email} is now an admin.`));
    expect(await roleOfMember.inputValue()).toBe('admin');
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
      expect(await switcherEntries(phone)).toEqual(['Personal', 'Create or list teams…']);
    }, 30_000);
    await phone.goto(`${site()}/?authEmulator=${authEmulator()}#team/${teamId}/keys`);
    await visible(phone.getByRole('heading', { name: 'No such team', level: 1 }));

    for (const page of [owner, phone]) expect(await page.evaluate(() => (globalThis as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
  });
});
