// The console in a real browser (Debian's chromium driven by playwright-core), against the whole
// local stack: the journeys a person takes, checked the way they would check them, plus the key
// used from outside the browser as a client would (fetch from Node against /v1/me).
import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Locator, Page, Request } from 'playwright-core';
import { adminAuth } from '../harness/admin';
import { api, createUser } from '../harness/auth';
import { AUTH_EMULATOR_URL, BASE_URL } from '../harness/ports';

// Browser globals for the functions page.evaluate runs in the page (this file compiles without the DOM lib).
declare const window: any, document: any, navigator: any, location: any, localStorage: any, sessionStorage: any;

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`browser tests skipped: ${CHROMIUM} not found (Debian: apt-get install -y chromium)`);
const describeInBrowser = haveChromium ? describe : describe.skip;

const site = () => process.env.KEYWARD_BASE_URL ?? BASE_URL;
const authEmulator = () => process.env.FIREBASE_AUTH_EMULATOR_HOST ?? new URL(AUTH_EMULATOR_URL).host;
/** The console of this stack: `?authEmulator=` points the page at the test stack's Auth emulator. */
const consoleUrl = (hash = '') => `${site()}/?authEmulator=${authEmulator()}${hash}`;
const keyIdOf = (key: string) => key.split('_')[1]!;
const password = () => `pw-${Math.random().toString(36).slice(2)}-${Date.now()}`;
const newEmail = () => `person-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;

/** `/v1/me` with the key, as a client outside the browser sends it. */
const meWithKey = (key: string) => api('/v1/me', { headers: { authorization: `ApiKey ${key}` } });

/** Everything the page shows or holds in its form fields (`page.content()` leaves out input values). */
const shownText = (page: Page): Promise<string> =>
  page.evaluate(() => [document.body.innerText, ...[...document.querySelectorAll('input, textarea')].map((el: any) => el.value)].join('\n'));

/** Waits until the element is visible: fails the test when it does not appear within 10 s. */
const visible = (locator: Locator) => locator.first().waitFor({ state: 'visible', timeout: 10_000 });

/** Retries an async check until it passes (audit entries and revocation settle within seconds). */
async function eventually<T>(check: () => Promise<T>, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

describeInBrowser('the console in a browser', () => {
  // A journey is many requests: leave room for a loaded machine (each takes 2 to 15 s).
  jest.setTimeout(60_000);
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    // A non-persistent launch runs on a fresh temporary profile (user-data-dir) removed at close.
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  });

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  /** A fresh browser profile (cookies, storage) with the console open. */
  async function openConsole(opts: { clipboard?: boolean } = {}): Promise<Page> {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      permissions: opts.clipboard ? ['clipboard-read', 'clipboard-write'] : [],
    });
    contexts.push(context);
    // Counts what the page's Content-Security-Policy blocks, from the first byte on.
    await context.addInitScript(() => {
      const seen: string[] = ((window as unknown as { cspViolations: string[] }).cspViolations = []);
      document.addEventListener('securitypolicyviolation', (e: any) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const page = await context.newPage();
    await page.goto(consoleUrl());
    await page.getByRole('heading', { name: 'Sign in to Keyward' }).waitFor();
    return page;
  }

  async function signUp(page: Page, email: string, pw: string): Promise<string> {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(pw);
    await page.getByRole('button', { name: 'Create an account' }).click();
    return signedInUid(page);
  }

  async function signIn(page: Page, email: string, pw: string): Promise<string> {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(pw);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    return signedInUid(page);
  }

  async function signedInUid(page: Page): Promise<string> {
    await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    return (await page.locator('.who code').textContent())!;
  }

  /** Fills the creation form; resolves with what the panel shows once. */
  async function createKey(page: Page, fields: { name: string; type?: string; expiresOn?: string; origins?: string }) {
    await page.getByLabel('Name').fill(fields.name);
    if (fields.type) await page.getByLabel('Type').selectOption(fields.type);
    if (fields.expiresOn) await page.getByLabel('Expires on').fill(fields.expiresOn);
    if (fields.origins) await page.getByLabel('Allowed origins').fill(fields.origins);
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('heading', { name: `New key “${fields.name}”` }).waitFor();
    return {
      key: await page.getByLabel('API key', { exact: true }).inputValue(),
      signingSecret: await page.getByLabel('Signing secret', { exact: true }).inputValue(),
    };
  }

  const keyRow = (page: Page, key: string) => page.locator(`tr[data-key-id="${keyIdOf(key)}"]`);

  it('a person signs up, creates a key, uses it, revokes it, and finds it all in the audit log', async () => {
    const page = await openConsole({ clipboard: true });
    const requests: Request[] = [];
    page.on('request', (r) => requests.push(r));

    const uid = await signUp(page, newEmail(), password());
    const session = (await page.context().cookies(site())).find((c) => c.name === '__session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate(() => document.cookie)).not.toContain('__session');

    const expiresOn = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const shown = await createKey(page, { name: 'billing backend', expiresOn });
    expect(shown.key).toMatch(/^server_[A-Za-z0-9]{16}_[A-Za-z0-9]+$/);
    expect(shown.signingSecret).toMatch(/^kws_/);
    await visible(page.getByText('Copy these now: they will not be shown again.'));

    await page.getByRole('button', { name: 'Copy the key' }).click();
    await page.getByRole('status').filter({ hasText: 'The key is copied to the clipboard.' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shown.key);

    // The secrets are nowhere but on the screen: not in the URL, storage or any request URL.
    const stored = await page.evaluate(() => JSON.stringify({ url: location.href, local: { ...localStorage }, session: { ...sessionStorage } }));
    for (const secret of [shown.key, shown.signingSecret]) {
      expect(stored).not.toContain(secret);
      expect(requests.map((r) => r.url()).join('\n')).not.toContain(secret);
    }

    // The key works from outside the browser, for this person.
    const me = await meWithKey(shown.key);
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ uid, auth: { method: 'api_key', keyId: keyIdOf(shown.key) } });

    await page.getByRole('button', { name: 'Done: I have copied them' }).click();
    expect(await shownText(page)).not.toContain(shown.key);
    const row = keyRow(page, shown.key);
    await visible(row.getByText('active'));
    expect(await row.textContent()).toContain('billing backend');
    const expiryDay = await page.evaluate((d) => new Date(`${d}T12:00`).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' }), expiresOn);
    expect(await row.locator('td').nth(3).textContent()).toContain(expiryDay);

    // Revoking asks first; cancelling changes nothing and gives the focus back.
    const revoke = row.getByRole('button', { name: 'Revoke billing backend' });
    await revoke.click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    expect(await revoke.evaluate((el) => el === document.activeElement)).toBe(true);
    expect((await meWithKey(shown.key)).status).toBe(200);

    await revoke.click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke key' }).click();
    await visible(row.getByText('revoked'));
    await page.getByRole('status').filter({ hasText: 'Key “billing backend” revoked.' }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Your keys');

    const refused = await eventually(async () => {
      const res = await meWithKey(shown.key);
      expect(res.status).toBe(401);
      return res;
    });
    expect(refused.json.error.code).toBe('revoked_credential');

    // The audit page shows this person's own trail; a non-auditor gets no user search.
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Your activity', level: 1 }).waitFor();
    expect(await page.getByLabel('User ID').count()).toBe(0);
    const keyId = keyIdOf(shown.key);
    await eventually(async () => {
      await page.getByRole('button', { name: 'Search' }).click();
      await page.locator('tr[data-event="key.revoke"]').filter({ hasText: keyId }).waitFor({ timeout: 1000 });
    });
    expect(await page.locator('tr[data-event="key.create"]').filter({ hasText: keyId }).count()).toBe(1);
    expect(await page.locator('tr[data-event="session.create"]').count()).toBeGreaterThanOrEqual(1);

    // After sign-in, requests carried the cookie only: no ID token, no key, on any API call.
    const apiCalls = requests.filter((r) => new URL(r.url()).pathname.startsWith('/v1/') && !r.url().endsWith('/v1/auth/session'));
    expect(apiCalls.length).toBeGreaterThan(3);
    for (const r of apiCalls) expect(await r.headerValue('authorization')).toBeNull();
    // Keys and the audit log went through the callable functions (same-origin Hosting rewrites), not REST.
    const paths = new Set(apiCalls.map((r) => `${r.method()} ${new URL(r.url()).pathname}`));
    for (const name of ['createApiKey', 'listApiKeys', 'revokeApiKey', 'queryAuditLog']) expect(paths).toContain(`POST /v1/rpc/${name}`);
    expect([...paths].filter((p) => /\/v1\/(keys|audit)\b/.test(p))).toEqual([]);

    // Nothing was loaded from outside the stack, and the CSP blocked nothing.
    const allowed = new Set([new URL(site()).origin, `http://${authEmulator()}`]);
    expect([...new Set(requests.map((r) => new URL(r.url()).origin))].filter((o) => !allowed.has(o))).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
  });

  it('regenerating shows the new key once; the old key works through the grace period', async () => {
    const page = await openConsole();
    await signUp(page, newEmail(), password());
    const first = await createKey(page, { name: 'rotating' });
    await page.getByRole('button', { name: 'Done: I have copied them' }).click();

    const calls: string[] = [];
    page.on('request', (r) => calls.push(`${r.method()} ${new URL(r.url()).pathname}`));
    await keyRow(page, first.key).getByRole('button', { name: 'Regenerate rotating' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Keep the old key working for').selectOption({ label: '1 hour' });
    await dialog.getByRole('button', { name: 'Regenerate key' }).click();
    await page.getByRole('heading', { name: 'New key for “rotating”' }).waitFor();
    const second = await page.getByLabel('API key', { exact: true }).inputValue();
    expect(keyIdOf(second)).toBe(keyIdOf(first.key));
    expect(second).not.toBe(first.key);
    expect(calls).toContain('POST /v1/rpc/regenerateApiKey');
    expect(await shownText(page)).toContain(second);
    await visible(page.getByText('they will not be shown again'));
    await visible(keyRow(page, first.key).getByText(/old secret works until/));

    expect((await meWithKey(second)).status).toBe(200);
    expect((await meWithKey(first.key)).status).toBe(200);

    // Moving to another page takes the shown key away for good.
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Your activity', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'API keys' }).click();
    await keyRow(page, first.key).waitFor();
    expect(await shownText(page)).not.toContain(second);
  });

  it('works from the keyboard, labels every field, and puts errors into words', async () => {
    const person = await createUser();
    const page = await openConsole();

    // The sign-in form has the focus: type, Tab, type, Enter. A wrong password first.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(await page.getByLabel('Email').getAttribute('id'));
    await page.keyboard.type(person.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type('not-the-password');
    await page.keyboard.press('Enter');
    await visible(page.getByRole('alert').getByText('The email or password is wrong.'));
    await page.getByLabel('Password').fill('');
    await page.getByLabel('Password').focus();
    await page.keyboard.type(person.password);
    await page.keyboard.press('Enter');
    expect(await signedInUid(page)).toBe(person.uid);

    // Every form control on both pages has a label.
    const unlabelled = () =>
      page.evaluate(() => [...document.querySelectorAll('input, select, textarea')].filter((el: any) => !el.labels?.length).map((el: any) => el.outerHTML));
    expect(await unlabelled()).toEqual([]);

    // The API's refusal, in its own words: a web key needs an allowed origin.
    await page.getByLabel('Name').fill('site key');
    await page.getByLabel('Type').selectOption('web');
    await page.getByLabel('Name').press('Enter');
    await visible(page.getByRole('alert').getByText('A web key needs at least one allowed origin.'));
    expect(await page.locator('.secret-panel').count()).toBe(0);

    // With an origin it works; the key is honoured from that origin only.
    await page.getByLabel('Allowed origins').fill('https://app.example.com');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('heading', { name: 'New key “site key”' }).waitFor();
    // The panel's heading has the focus, so a screen reader reads the warning next.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('New key “site key”');
    const key = await page.getByLabel('API key', { exact: true }).inputValue();
    const from = (origin: string) => api('/v1/me', { headers: { authorization: `ApiKey ${key}`, origin } });
    expect((await from('https://app.example.com')).status).toBe(200);
    expect((await from('https://evil.example')).status).toBe(403);

    await page.goto(consoleUrl('#audit'));
    await page.getByRole('heading', { name: 'Your activity', level: 1 }).waitFor();
    expect(await unlabelled()).toEqual([]);
  });

  it('signs out here, or everywhere: other browsers lose their session at once', async () => {
    const email = newEmail();
    const pw = password();
    const here = await openConsole();
    const uid = await signUp(here, email, pw);
    const there = await openConsole();
    expect(await signIn(there, email, pw)).toBe(uid);

    // Signing out here leaves the other browser signed in.
    await here.getByRole('button', { name: 'Sign out', exact: true }).click();
    await here.getByText('You are signed out.').waitFor();
    expect((await here.context().cookies(site())).map((c) => c.name)).not.toContain('__session');
    await there.reload();
    expect(await signedInUid(there)).toBe(uid);

    // Signing out everywhere ends the other browser's session too.
    await here.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    expect(await signIn(here, email, pw)).toBe(uid);
    await here.getByRole('button', { name: 'Sign out everywhere' }).click();
    await here.getByText('You are signed out on every device.').waitFor();

    // The other page, still open, finds out on its next request and asks for a sign-in.
    await eventually(async () => {
      await there.evaluate(() => (location.hash = location.hash === '#audit' ? '#keys' : '#audit'));
      await there.getByRole('heading', { name: 'Sign in to Keyward' }).waitFor({ timeout: 1000 });
    });
    await visible(there.getByText(/Your session has ended/));
    await there.reload();
    await there.getByRole('heading', { name: 'Sign in to Keyward' }).waitFor();
  });

  it('an auditor searches another user’s trail by user, event and time, page by page', async () => {
    const startedAt = new Date(Date.now() - 60_000);
    const subject = await createUser();
    const calls = 12;
    for (let i = 0; i < calls; i++) {
      expect((await api('/v1/me', { headers: { authorization: `Bearer ${subject.idToken}` } })).status).toBe(200);
    }
    const auditor = await createUser();
    await adminAuth().setCustomUserClaims(auditor.uid, { auditor: true });

    const page = await openConsole();
    expect(await signIn(page, auditor.email, auditor.password)).toBe(auditor.uid);
    await visible(page.getByText('(auditor)'));
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();

    const local = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await page.getByLabel('User ID').fill(subject.uid);
    await page.getByLabel('Event').selectOption('auth.success');
    await page.getByLabel('From').fill(local(startedAt));
    await page.getByLabel('To').fill(local(new Date(Date.now() + 120_000)));
    await page.getByLabel('Entries per page').selectOption('10');
    const rows = page.locator('tbody tr');
    const older = page.getByRole('button', { name: 'Older entries' });
    const newer = page.getByRole('button', { name: 'Newer entries' });

    // Access entries are written in batches: search until all of the subject's calls are there.
    await eventually(async () => {
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('heading', { name: 'Entries (page 1)' }).waitFor();
      expect(await rows.count()).toBe(10);
      await older.click();
      await page.getByRole('heading', { name: 'Entries (page 2)' }).waitFor();
      expect(await rows.count()).toBe(calls - 10);
    }, 15_000);
    for (const text of await rows.allTextContents()) {
      expect(text).toContain('auth.success');
      expect(text).toContain(subject.uid);
      expect(text).toContain('GET /v1/me');
    }
    expect(await older.isDisabled()).toBe(true);
    await newer.click();
    await page.getByRole('heading', { name: 'Entries (page 1)' }).waitFor();
    expect(await rows.count()).toBe(10);
    expect(await newer.isDisabled()).toBe(true);

    // A time range before any of it finds nothing.
    await page.getByLabel('To').fill(local(new Date(startedAt.getTime() - 60_000)));
    await page.getByLabel('From').fill(local(new Date(startedAt.getTime() - 120_000)));
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No entries match.').waitFor();
  });
});
