// The console in a real browser (chromium driven by playwright-core, test/harness/browser.ts), against the whole
// local stack: the journeys a person takes, checked the way they would check them, plus the key
// used from outside the browser as a client would (fetch from Node against /v1/me).
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page, Request } from 'playwright-core';
import { adminAuth } from '../harness/admin';
import { api, createUser } from '../harness/auth';
import { AUTH_EMULATOR_URL, BASE_URL } from '../harness/ports';
import { passes, reached } from '../harness/eventually';
import { describeInBrowser, launchBrowser } from '../harness/browser';
import { startReceiver, verified } from '../integration/notifications/receiver';

// Browser globals for the functions page.evaluate runs in the page (this file compiles without the DOM lib).
declare const window: any, document: any, navigator: any, location: any, localStorage: any, sessionStorage: any, getComputedStyle: any;

/**
 * The README links docs/screenshots: the console as a reader sees it before running anything.
 * `npm run screenshots` refreshes them; a plain test run writes to a temporary folder, so it
 * leaves the working tree as it found it.
 */
const SCREENSHOTS = process.env.KEYWARD_SCREENSHOTS === '1' ? join(__dirname, '..', '..', 'docs', 'screenshots') : join(tmpdir(), 'keyward-screenshots');
async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.evaluate(() => document.activeElement?.blur?.()); // no focus ring in the picture
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

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

/**
 * Waits until the element is visible: fails the test when it does not appear within 30 s. The
 * first call to each callable starts a worker in the Functions emulator, which on a loaded machine
 * takes over 10 s (measured: 16 to 20+ s for revokeApiKey at load 18 to 20 on 2 cores).
 */
const visible = (locator: Locator) => locator.first().waitFor({ state: 'visible', timeout: 30_000 });

/** Waits for the next whole second of the clock (session cookies count time in seconds). */
const nextSecond = () => reached(Math.floor(Date.now() / 1000) * 1000 + 1000);

/** Retries an async check until it passes (audit entries and revocation settle within seconds). */
const eventually = <T>(check: () => Promise<T>, timeoutMs = 8000) => passes(check, { timeoutMs, everyMs: 250 });

describeInBrowser('the console in a browser', () => {
  // A journey is many requests: leave room for a loaded machine (each takes 2 to 20 s).
  jest.setTimeout(120_000);
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  /** A fresh browser profile (cookies, storage) with the console open. */
  async function openConsole(opts: { clipboard?: boolean; viewport?: { width: number; height: number } } = {}): Promise<Page> {
    const context = await browser.newContext({
      viewport: opts.viewport ?? { width: 1280, height: 900 },
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
    // On a timeout, say what the page showed instead: a failure in CI is read from its log alone.
    await page
      .getByRole('heading', { name: 'API keys', level: 1 })
      .waitFor()
      .catch(async (err: Error) => {
        throw new Error(`${err.message}\nThe page shows:\n${await shownText(page).catch(() => '(nothing readable)')}`);
      });
    return (await page.locator('.who').getAttribute('data-uid'))!;
  }

  /** Opens the create form's "Restrictions" (expiry, scopes, origins, addresses) unless open. */
  async function openRestrictions(page: Page): Promise<void> {
    const details = page.locator('details.restrictions');
    if (!(await details.evaluate((el: any) => el.open))) await details.locator('summary').click();
  }

  /** Fills the creation form; resolves with what the panel shows once. */
  async function createKey(page: Page, fields: { name: string; type?: string; expiresOn?: string; origins?: string }) {
    await page.getByLabel('Name').fill(fields.name);
    if (fields.type) await page.getByLabel('Type').selectOption(fields.type);
    if (fields.expiresOn || fields.origins) await openRestrictions(page);
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
    expect(await row.locator('td[data-label="Expires"]').textContent()).toContain(expiryDay);

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

    // The API's refusal, in its own words, under the field it is about (which takes the focus).
    await page.getByLabel('Name').fill('site key');
    await page.getByLabel('Type').selectOption('web');
    await page.getByLabel('Name').press('Enter');
    await visible(page.getByRole('alert').getByText('A web key needs at least one allowed origin.'));
    expect(await page.locator('.secret-panel').count()).toBe(0);
    const originsField = page.getByLabel('Allowed origins');
    expect(await originsField.getAttribute('aria-invalid')).toBe('true');
    expect(await originsField.evaluate((el: any) => el === document.activeElement)).toBe(true);
    expect(await originsField.evaluate((el: any) => [...el.labels[0].parentElement.querySelectorAll('.field-error')].map((e: any) => e.textContent).join())).toBe(
      'A web key needs at least one allowed origin.',
    );

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
    // Two sessions of one person are two cookies only when their sign-ins fall in different seconds:
    // a session cookie holds its times in whole seconds and no nonce, so two sign-ins in the same
    // second get the same cookie, and signing out one signs out both (docs/sessions.md).
    await nextSecond();
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
    await nextSecond();
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

  it('an answer that arrives after signing out changes nothing: the next person stays signed in and sees only their keys', async () => {
    const first = await createUser();
    const created = await api('/v1/keys', {
      method: 'POST',
      headers: { authorization: `Bearer ${first.idToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'first person’s key' }),
    });
    expect(created.status).toBe(201);
    const second = await createUser();

    // The first person's key list is held on the wire until they have signed out and the second signed in.
    const page = await openConsole();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held: Request | undefined;
    await page.route('**/v1/rpc/listApiKeys', async (route) => {
      if (held) return route.continue();
      held = route.request();
      // The request as the browser sent it: with the first person's cookie. It reaches Keyward when
      // released (a continued request would pick up the cookie jar of that moment instead).
      const cookie = (await page.context().cookies()).find((c) => c.name === '__session');
      expect(cookie).toBeDefined();
      await released;
      const answer = await route.fetch({ headers: { ...held.headers(), cookie: `__session=${cookie!.value}` } });
      await route.fulfill({ response: answer });
    });
    expect(await signIn(page, first.email, first.password)).toBe(first.uid);
    await passes(async () => expect(held).toBeDefined(), { timeoutMs: 10_000, everyMs: 100 });
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByText('You are signed out.').waitFor();
    expect(await signIn(page, second.email, second.password)).toBe(second.uid);
    await visible(page.getByText('You have no keys yet'));

    // The stale answer arrives (a 401: the first cookie is signed out by now), and the page reads it.
    release();
    const answer = await held!.response();
    expect(answer?.status()).toBe(401);
    await answer!.finished();
    await page.evaluate(() => new Promise((resolve) => setTimeout(() => setTimeout(resolve, 0), 0)));
    const shown = await shownText(page);
    expect(shown).not.toContain('Your session has ended');
    expect(shown).not.toContain('first person’s key');
    expect(await page.locator('.who').getAttribute('data-uid', { timeout: 1000 })).toBe(second.uid);
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

    // The range on screen, verified against the trail's hash chains and signed checkpoints: clean.
    const verification = page.getByRole('region', { name: 'Verification' });
    await visible(verification.locator('.verify-result'));
    expect(await verification.innerText()).toMatch(/Verified: no sign of tampering[\s\S]*\d+ entries in \d+ chains?, \d+ signed checkpoints?/);
    // The exports carry it: the JSON export holds the report of its range, and the verifiable file is the API's export.
    const download = async (label: string) => {
      const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: label }).click()]);
      return JSON.parse(readFileSync((await file.path())!, 'utf8'));
    };
    const json = await download('Export JSON');
    expect(json.entries).toHaveLength(calls);
    expect(json.verification).toMatchObject({ ok: true, from: new Date(json.filters.from).toISOString(), to: json.filters.to });
    expect(json.verification.entries).toBeGreaterThanOrEqual(calls);
    const file = await download('Export for verification');
    expect(file).toMatchObject({ format: 'keyward-audit-export/1', from: json.filters.from, verification: { ok: true } });
    expect(file.checkpoints.length).toBeGreaterThan(0);
    // At phone width the verification fits as the rest of the page does.
    await page.setViewportSize({ width: 375, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    for (const button of await page.locator('main button:visible').all()) {
      const box = (await button.boundingBox())!;
      expect([box.x >= 0, box.x + box.width <= 375]).toEqual([true, true]);
    }
    await screenshot(page, 'audit-verified-phone');
    await page.setViewportSize({ width: 1280, height: 900 });

    // A time range before any of it finds nothing.
    await page.getByLabel('To').fill(local(new Date(startedAt.getTime() - 60_000)));
    await page.getByLabel('From').fill(local(new Date(startedAt.getTime() - 120_000)));
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No entries match.').waitFor();
  });
  it('usage per key: the console counts exactly the requests a client sent; editing and pausing work end to end', async () => {
    const page = await openConsole({ viewport: { width: 1280, height: 800 } });
    const email = newEmail();
    await signUp(page, email, password());
    // The header names the person by email, not by uid.
    await visible(page.locator('.who').getByText(email));

    const shown = await createKey(page, { name: 'metered' });
    // After creation: copyable examples (secrets as environment variables) and what the signing secret is for.
    await visible(page.getByRole('heading', { name: 'curl', level: 3 }));
    expect(await shownText(page)).toContain('-H "Authorization: ApiKey $KEYWARD_KEY"');
    expect(await shownText(page)).toContain(`keyId: '${keyIdOf(shown.key)}'`);
    await visible(page.getByText(/The signing secret signs requests/));
    await page.getByRole('button', { name: 'Done: I have copied them' }).click();

    const sent = 9;
    for (let i = 0; i < sent; i++) expect((await meWithKey(shown.key)).status).toBe(200);

    // The key's own page: usage totals and the 30-day chart match what was sent.
    await keyRow(page, shown.key).getByRole('link', { name: 'metered' }).click();
    await page.getByRole('heading', { name: /^metered/, level: 1 }).waitFor();
    await eventually(async () => {
      await page.reload();
      await page.locator('dd[data-total="requests"]').waitFor({ timeout: 5000 });
      expect(await page.locator('dd[data-total="requests"]').textContent()).toBe(String(sent));
    }, 30_000);
    expect(await page.locator('dd[data-total="failures"]').textContent()).toBe('0');
    await visible(page.getByRole('img', { name: new RegExp(`Requests with “metered” per day: ${sent} requests in the last 30 days`) }));
    await visible(page.getByText('Everything you may do'));
    await screenshot(page, 'key-detail');

    // The keys page shows the same count, and the overview of all keys.
    await page.getByRole('link', { name: 'API keys' }).click();
    await visible(keyRow(page, shown.key).locator('td[data-label="Requests (30 days)"]').getByText(String(sent), { exact: true }));
    await visible(page.getByRole('img', { name: /Requests with all your keys per day/ }));
    await screenshot(page, 'keys');

    // Rename and add metadata.
    await keyRow(page, shown.key).getByRole('link', { name: 'metered' }).click();
    await page.getByRole('heading', { name: /^metered/, level: 1 }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('metered billing');
    await page.getByLabel('Metadata (JSON object)').fill('{"team": "billing"}');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: /^metered billing/, level: 1 }).waitFor();
    await visible(page.getByRole('status').getByText('Key “metered billing” saved.'));
    expect(await page.locator('dl.settings').textContent()).toContain('"team": "billing"');

    // A bad edit is refused under its field, and changes nothing.
    await page.getByLabel('Allowed IP addresses').fill('not-an-address');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await visible(page.getByRole('alert').getByText(/allowedIps has an invalid entry/));
    expect(await page.getByLabel('Allowed IP addresses').getAttribute('aria-invalid')).toBe('true');

    // Pause: refused like a revoked key; resume: works again.
    await page.getByRole('button', { name: 'Pause metered billing' }).click();
    await visible(page.getByRole('dialog').getByText(/within 10 seconds everywhere else/));
    await page.getByRole('dialog').getByRole('button', { name: 'Pause key' }).click();
    await visible(page.getByRole('heading', { level: 1 }).getByText('paused'));
    const refused = await eventually(async () => {
      const res = await meWithKey(shown.key);
      expect(res.status).toBe(401);
      return res;
    }, 15_000);
    expect(refused.json.error).toMatchObject({ code: 'revoked_credential', message: expect.stringContaining('disabled') });
    await page.getByRole('button', { name: 'Resume metered billing' }).click();
    await visible(page.getByRole('heading', { level: 1 }).getByText('active'));
    await eventually(async () => expect((await meWithKey(shown.key)).status).toBe(200), 15_000);

    // Its recent events tell the story, the refused request counted as a failure.
    await eventually(async () => {
      await page.reload();
      await page.locator('li[data-event="key.update"]').filter({ hasText: 'paused' }).waitFor({ timeout: 3000 });
      expect(Number(await page.locator('dd[data-total="failures"]').textContent())).toBeGreaterThanOrEqual(1);
    }, 30_000);
  });

  it('limits and credits: set on a key and on the person, shown, spent by a client until quota_exceeded', async () => {
    const page = await openConsole();
    await signUp(page, newEmail(), password());
    const shown = await createKey(page, { name: 'metered credits' });
    await page.getByRole('button', { name: 'Done: I have copied them' }).click();
    await keyRow(page, shown.key).getByRole('link', { name: 'metered credits' }).click();
    await page.getByRole('heading', { name: /^metered credits/, level: 1 }).waitFor();
    const limit = (name: string) => page.locator(`dl.limits dd[data-limit="${name}"]`);
    await visible(page.getByRole('heading', { name: 'Limits and credits', level: 2 }));
    expect(await limit('credits').textContent()).toBe('Unmetered');

    // A bad value is refused under its field, in words, and nothing is sent.
    await page.getByLabel('Requests per minute').fill('2.5');
    await page.getByRole('button', { name: 'Save limits' }).click();
    expect(await page.getByLabel('Requests per minute').getAttribute('aria-invalid')).toBe('true');
    await visible(page.locator('.field-error').getByText(/whole number/));

    await page.getByLabel('Requests per minute').fill('50');
    await page.getByLabel('Credits', { exact: true }).fill('3');
    await page.getByLabel('Refill to').fill('5');
    await page.getByLabel('Refill every').selectOption('day');
    await page.getByRole('button', { name: 'Save limits' }).click();
    await visible(page.getByRole('status').getByText('Limits of “metered credits” saved.'));
    expect(await limit('requestsPerMinute').textContent()).toBe('50 a minute');
    expect(await limit('credits').textContent()).toBe('3');
    expect(await limit('refill').textContent()).toBe('to 5 every day');
    expect(await limit('nextRefillAt').textContent()).not.toBe('—');

    // A client spends them from outside the browser, until quota_exceeded.
    for (let left = 2; left >= 0; left--) {
      const res = await meWithKey(shown.key);
      expect([res.status, res.json.usage.credits.remaining, res.headers.get('ratelimit-limit')]).toEqual([200, left, '50']);
    }
    const refused = await meWithKey(shown.key);
    expect([refused.status, refused.json.error.code, Number(refused.headers.get('retry-after')) > 0]).toEqual([429, 'quota_exceeded', true]);
    await eventually(async () => {
      await page.reload();
      await limit('credits').waitFor({ timeout: 10_000 });
      expect(await limit('credits').textContent()).toBe('0');
    }, 30_000);

    // The person's own limits, on the keys page: shared by all their keys.
    await page.getByRole('link', { name: 'API keys' }).click();
    await visible(page.getByRole('heading', { name: 'Limits for all your keys', level: 2 }));
    await page.getByLabel('Requests per day').fill('500');
    await page.getByRole('button', { name: 'Save limits' }).click();
    await visible(page.getByRole('status').getByText('Your limits are saved.'));
    expect(await limit('requestsPerDay').textContent()).toBe('500 a day');
    expect(await limit('credits').textContent()).toBe('Unmetered');
    // New credits on the key: the client is served again once every instance sees them (the cache lifetime).
    await keyRow(page, shown.key).getByRole('link', { name: 'metered credits' }).click();
    await page.getByLabel('Credits', { exact: true }).fill('10');
    await page.getByRole('button', { name: 'Save limits' }).click();
    await visible(page.getByRole('status').getByText('Limits of “metered credits” saved.'));
    expect(await limit('credits').textContent()).toBe('10');
    await eventually(async () => {
      const res = await meWithKey(shown.key);
      expect([res.status, res.headers.get('ratelimit-limit')]).toEqual([200, '50']);
      expect(res.json.usage.credits.remaining).toBeLessThan(10);
    }, 15_000);
  });

  it('the audit view: changes and refusals by default, every access on request, filters in the URL, CSV and JSON export', async () => {
    const page = await openConsole({ viewport: { width: 1280, height: 800 } });
    const email = newEmail();
    const uid = await signUp(page, email, password());
    const shown = await createKey(page, { name: 'audited' });
    await page.getByRole('button', { name: 'Done: I have copied them' }).click();
    const keyId = keyIdOf(shown.key);
    for (let i = 0; i < 3; i++) expect((await meWithKey(shown.key)).status).toBe(200);
    // A refused console action: a web key without an origin.
    await page.getByLabel('Name').fill('no origin');
    await page.getByLabel('Type').selectOption('web');
    await page.getByRole('button', { name: 'Create key' }).click();
    await visible(page.getByRole('alert').getByText('A web key needs at least one allowed origin.'));

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Your activity', level: 1 }).waitFor();
    const refusal = page.locator('tr[data-event="key.create"]').filter({ hasText: 'failure' });
    await eventually(async () => {
      await page.getByRole('button', { name: 'Search' }).click();
      await refusal.waitFor({ timeout: 1500 });
    }, 15_000);
    expect(await refusal.textContent()).toContain('invalid_request');
    expect(await refusal.textContent()).toContain(email); // the email beside the uid
    expect(await page.locator('tr[data-event="auth.success"]').count()).toBe(0); // the console's own requests stay out of the way
    // Verification is the auditor's: a person sees nothing of it, and the page never asked for it.
    expect(await page.getByRole('region', { name: 'Verification' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Export for verification' }).count()).toBe(0);

    // Every access, for one key: the filters go into the URL and survive a reload.
    await page.getByLabel('Key ID').fill(keyId);
    await page.getByLabel(/Show every access/).check();
    await eventually(async () => {
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('heading', { name: 'Entries (page 1)' }).waitFor();
      expect(await page.locator('tr[data-event="auth.success"]').count()).toBe(3);
    }, 15_000);
    expect(new URL(page.url()).hash).toBe(`#audit?keyId=${keyId}&access=1`);
    await page.reload();
    await page.getByRole('heading', { name: 'Your activity', level: 1 }).waitFor();
    expect(await page.getByLabel('Key ID').inputValue()).toBe(keyId);
    expect(await page.getByLabel(/Show every access/).isChecked()).toBe(true);
    await page.locator('tr[data-event="auth.success"]').first().waitFor();
    await screenshot(page, 'audit');

    // Export the current search.
    const download = async (label: string) => {
      const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: label }).click()]);
      return readFileSync((await file.path())!, 'utf8');
    };
    const csv = (await download('Export CSV')).trimEnd().split('\r\n');
    expect(csv[0]).toBe('timestamp,event,outcome,actor_uid,actor_email,actor_method,actor_key_id,target_uid,target_email,target_key_id,target_role,reason,ip,method,path,origin,user_agent,request_id');
    const accessRows = csv.filter((line) => line.split(',')[1] === 'auth.success');
    expect(accessRows).toHaveLength(3);
    for (const line of accessRows) expect(line).toContain(`${uid},${email},api_key,${keyId}`);
    expect(csv.some((line) => line.split(',')[1] === 'key.create')).toBe(true);
    const json = JSON.parse(await download('Export JSON'));
    expect(json.filters).toEqual({ keyId, access: true });
    expect(json.entries).toHaveLength(csv.length - 1);
    expect(json.users).toEqual({ [uid]: email });
    for (const secret of [shown.key, shown.signingSecret]) expect(JSON.stringify(json) + csv.join()).not.toContain(secret);
  });

  it('notifications: sets a webhook, shows a failed delivery in the log with its attempts, and retries it', async () => {
    const receiver = await startReceiver([500]);
    try {
      const page = await openConsole();
      await signUp(page, newEmail(), password());
      const shown = await createKey(page, { name: 'hooked' });
      await page.getByRole('button', { name: 'Done: I have copied them' }).click();

      await page.getByRole('link', { name: 'Notifications', exact: true }).click();
      await page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
      await visible(page.getByText('No webhook is set: notices go by mail only.'));
      await page.getByLabel('Webhook URL').fill(receiver.url);
      await page.getByRole('button', { name: 'Save webhook' }).click();
      await visible(page.getByRole('status').getByText('The webhook is saved. Copy its signing secret now: it is not shown again.'));
      const secret = await page.getByLabel('Signing secret (shown this once)').inputValue();
      expect(secret).toMatch(/^whsec_/);

      // The key revokes itself from outside the browser: a key.revoked notice, which the receiver refuses three times.
      expect((await api(`/v1/keys/${keyIdOf(shown.key)}`, { method: 'DELETE', headers: { 'x-api-key': shown.key } })).status).toBe(200);
      const row = page.locator('tr[data-delivery]').first();
      await eventually(async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        expect(await row.locator('td[data-state]').getAttribute('data-state')).toBe('failed');
      }, 60_000);
      expect(await row.locator('td[data-label="Event"]').textContent()).toBe('key.revoked');
      expect(await row.locator('ol.attempts li').allTextContents()).toEqual([expect.stringMatching(/: HTTP 500 \(\d+ ms\)$/), expect.stringMatching(/HTTP 500/), expect.stringMatching(/HTTP 500/)]);
      await screenshot(page, 'notifications');

      // The receiver is fixed; Retry sends one more attempt, and the log shows it delivered.
      receiver.answers = [200];
      await row.getByRole('button', { name: /^Retry the key.revoked delivery/ }).click();
      await visible(page.getByRole('status').getByText(/is being retried\.$/));
      await eventually(async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        expect(await row.locator('td[data-state]').getAttribute('data-state')).toBe('delivered');
      }, 30_000);
      expect(await row.locator('ol.attempts li').count()).toBe(4);
      expect(receiver.deliveries).toHaveLength(4);
      expect(verified(secret, receiver.deliveries[3]!)).toMatchObject({ type: 'key.revoked', data: { keyId: keyIdOf(shown.key), by: 'key' } });
    } finally {
      await receiver.close();
    }
  });

  it('on a phone-sized screen nothing scrolls sideways and every action is on screen, in light and dark', async () => {
    const width = 375;
    const page = await openConsole({ viewport: { width, height: 800 } });
    await signUp(page, newEmail(), password());
    const shown = await createKey(page, { name: 'phone key', expiresOn: new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10) });
    await page.getByRole('button', { name: 'Done: I have copied them' }).click();
    await keyRow(page, shown.key).waitFor();
    await page.getByRole('img', { name: /Requests with all your keys per day/ }).waitFor();

    const fits = async () => {
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      for (const button of await page.locator('main button:visible').all()) {
        const box = (await button.boundingBox())!;
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(width);
      }
    };
    await fits();
    // Each cell says what it is, as the column headers are out of sight.
    expect(await keyRow(page, shown.key).locator('td[data-label="Status"]').textContent()).toBe('active');
    await screenshot(page, 'keys-phone');

    // The row's actions work from the keyboard alone.
    await keyRow(page, shown.key).getByRole('button', { name: 'Pause phone key' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).waitFor();
    // Destructive or not, the dialog opens with a button focused and Escape closes it.
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });

    await page.emulateMedia({ colorScheme: 'dark' });
    const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(background).toBe('rgb(20, 23, 31)');
    await screenshot(page, 'keys-phone-dark');

    await keyRow(page, shown.key).getByRole('link', { name: 'phone key' }).click();
    await page.getByRole('heading', { name: /^phone key/, level: 1 }).waitFor();
    await page.locator('dd[data-total="requests"]').waitFor();
    await fits();

    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByRole('link', { name: 'Audit log', exact: true }).click();
    await page.getByRole('heading', { name: 'Your activity', level: 1 }).waitFor();
    await page.locator('tr[data-event="key.create"]').first().waitFor();
    await fits();
    await screenshot(page, 'audit-phone');
  });
});
