// <keyward-api-keys> in a real browser, in a page of its own: (a) on the site, served by Hosting
// (/elements/), with the session cookie; (b) on another origin listed in KEYWARD_ALLOWED_ORIGINS
// (a static server of this test), with an ID token from the Auth emulator through `getIdToken`.
// Each creates a key, sees its secret once, regenerates and revokes it, and every step is checked
// through the API itself. Case (b) also holds a session cookie for the site, which the element
// must never send, and tries a credentialed change from that origin, which must never arrive.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { adminAuth, adminDb } from '../harness/admin';
import { api, createUser, signIn, type TestUser } from '../harness/auth';
import { describeInBrowser, launchBrowser } from '../harness/browser';
import { eventually } from '../harness/eventually';
import { bearer } from '../harness/keys';
import { AUTH_EMULATOR_URL, BASE_URL, HOST, OTHER_ORIGIN } from '../harness/ports';

// Browser globals for the functions page.evaluate runs in the page (this file compiles without the DOM lib).
declare const window: any, document: any, navigator: any;

const ROOT = join(__dirname, '..', '..');
const site = () => process.env.KEYWARD_BASE_URL ?? BASE_URL;
const authEmulator = () => (process.env.FIREBASE_AUTH_EMULATOR_HOST ? `http://${process.env.FIREBASE_AUTH_EMULATOR_HOST}` : AUTH_EMULATOR_URL);
const keyIdOf = (key: string) => key.split('_')[1]!;

/** The page another origin's app would be: the packaged module, and getIdToken from Firebase Auth (here its emulator's REST API). */
function otherOriginPage(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>An app elsewhere</title></head><body>
<h1>An app on another origin</h1>
<keyward-api-keys api="${site()}"></keyward-api-keys>
<script type="module">
  import './keyward.js';
  document.querySelector('keyward-api-keys').getIdToken = async () => {
    const res = await fetch('${authEmulator()}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=any', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...window.testAccount, returnSecureToken: true }),
    });
    return (await res.json()).idToken;
  };
</script></body></html>`;
}

function serveOtherOrigin(): Promise<Server> {
  const moduleCode = readFileSync(join(ROOT, 'functions', 'lib', 'elements', 'keyward.mjs'));
  const server = createServer((req, res) => {
    if (req.url === '/keyward.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(moduleCode);
    else if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(otherOriginPage());
    else res.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(new URL(OTHER_ORIGIN).port), HOST, () => resolve(server));
  });
}

/** The session cookie of a fresh sign-in, as the site's own sign-in would set it. */
async function sessionCookie(user: TestUser): Promise<string> {
  const res = await fetch(`${site()}/v1/auth/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ idToken: user.idToken }) });
  expect(res.status).toBe(200);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('__session='));
  return cookie!.split(';')[0]!.slice('__session='.length);
}

/** What the element shows and holds: its shadow root's text and every input's value. */
const elementText = (page: Page): Promise<string> =>
  page.evaluate(() => {
    const root = document.querySelector('keyward-api-keys').shadowRoot;
    return [root.innerHTML, ...[...root.querySelectorAll('input, textarea')].map((el: any) => el.value)].join('\n');
  });

/** The element's focused control, described: where keyboard focus is inside its shadow root. */
/**
 * A change made through one emulator worker reaches the others through the change feed, within the
 * revocation bound (the test stack's 1 s): the key is refused by then, not necessarily at once.
 */
const refusedWithin = <T extends { json: unknown }>(call: () => Promise<T>): Promise<T> =>
  eventually(call, (r) => (r.json as { error?: { code?: string } } | undefined)?.error?.code === 'revoked_credential', { timeoutMs: 5000 });

const focused = (page: Page): Promise<string> =>
  page.evaluate(() => {
    const el = document.querySelector('keyward-api-keys').shadowRoot.activeElement;
    return el ? `${el.tagName.toLowerCase()}:${el.getAttribute('aria-label') ?? el.getAttribute('name') ?? el.textContent}` : 'none';
  });

/**
 * Waits until the element holds no dialog: its close handler, which also moves the focus, has run
 * (a closed dialog stops matching getByRole a moment before that).
 */
const dialogGone = (page: Page) => page.waitForFunction(() => !document.querySelector('keyward-api-keys').shadowRoot.querySelector('dialog'));

const ok = (key: string) => api('/v1/me', { headers: { authorization: `ApiKey ${key}` } });

/** A request as `user` through Hosting, with a JSON body when given; refuses anything but `status`. */
async function as(user: TestUser, method: string, path: string, body: unknown, status: number): Promise<any> {
  const res = await api(path, { method, headers: { ...bearer(user.idToken), ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status !== status) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
  return res.json;
}

/** A new account whose email Auth has verified (invitations need it), with `claims`, signed in after. */
async function verifiedUser(claims?: Record<string, unknown>): Promise<TestUser> {
  const user = await createUser();
  await adminAuth().updateUser(user.uid, { emailVerified: true });
  if (claims) await adminAuth().setCustomUserClaims(user.uid, claims);
  return signIn(user.email, user.password);
}

/** `owner`'s new team, with `developer` invited and joined (the token read from the mail document, as the Trigger Email extension would). */
async function teamWithDeveloper(owner: TestUser, developer: TestUser): Promise<string> {
  const team = await as(owner, 'POST', '/v1/teams', { name: 'Element team' }, 201);
  const invitation = await as(owner, 'POST', `/v1/teams/${team.id}/invitations`, { email: developer.email, role: 'developer' }, 201);
  const mail = (await adminDb().collection(process.env.KEYWARD_MAIL_COLLECTION || 'mail').doc(`invitation-${invitation.id}`).get()).data() as { message: { text: string } };
  const token = new URL(/https?:\/\/\S+/.exec(mail.message.text)![0]).hash.replace('#token=', '');
  await as(developer, 'POST', '/v1/invitations/accept', { token }, 200);
  return team.id as string;
}

describeInBrowser('<keyward-api-keys> in a page of its own', () => {
  // Each step is a request to a function that may start cold on a loaded machine (2 to 20 s).
  jest.setTimeout(180_000);
  let browser: Browser;
  let other: Server;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [browser, other] = await Promise.all([launchBrowser(), serveOtherOrigin()]);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (other ? other.close(r) : r(undefined)));
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  async function open(url: string, user: TestUser): Promise<Page> {
    const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
    contexts.push(context);
    // Both pages hold the site's session cookie: the same-site page uses it, the other must not send it.
    await context.addCookies([{ name: '__session', value: await sessionCookie(user), url: site(), httpOnly: true, sameSite: 'Strict' }]);
    await context.addInitScript((account: { email: string; password: string }) => {
      window.testAccount = account;
      window.changes = [];
      window.addEventListener('keyward-change', (e: any) => window.changes.push(e.detail));
    }, { email: user.email, password: user.password });
    const page = await context.newPage();
    await page.goto(url);
    return page;
  }

  /** The journey both pages take; `user` checks every step through the API with its ID token. */
  async function journey(page: Page, user: TestUser, closeSecret: 'button' | 'Escape'): Promise<void> {
    const listed = async () => (await api('/v1/keys', { headers: bearer(user.idToken) })).json.keys as any[];
    await page.getByText('No keys yet.').waitFor({ timeout: 60_000 });
    expect(await listed()).toEqual([]);

    // Create: the secret is shown once, in a modal dialog that takes the focus.
    await page.getByLabel('Name', { exact: true }).fill('element key');
    await page.getByRole('button', { name: 'Create key' }).click();
    const created = page.getByRole('dialog', { name: 'New key “element key”' });
    await created.waitFor({ timeout: 60_000 });
    expect(await focused(page)).toBe('h2:New key “element key”');
    const key = await created.getByLabel('API key', { exact: true }).inputValue();
    const signingSecret = await created.getByLabel('Signing secret', { exact: true }).inputValue();
    expect(key).toMatch(/^server_[A-Za-z0-9]{16}_[A-Za-z0-9]+$/);
    expect(signingSecret).toMatch(/^kws_/);
    await created.getByRole('button', { name: 'Copy the key' }).click();
    await created.getByRole('status').filter({ hasText: 'The key is copied to the clipboard.' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    const id = keyIdOf(key);
    expect(await listed()).toEqual([expect.objectContaining({ id, name: 'element key', type: 'server', status: 'active', regeneratedAt: null })]);
    expect((await ok(key)).status).toBe(200);

    // Done: the dialog and the secret leave the page, focus goes back to the form.
    await created.getByRole('button', { name: 'Done: I have copied them' }).click();
    await dialogGone(page);
    expect(await focused(page)).toBe('input:name');
    await page.getByRole('status').filter({ hasText: 'The key and signing secret are no longer shown.' }).waitFor();
    const row = page.locator(`tr[data-key-id="${id}"]`);
    await row.getByText('active').waitFor();
    for (const secret of [key, signingSecret]) expect(await elementText(page)).not.toContain(secret);

    // Regenerate with no grace period: same id, a new secret shown once; the old one stops at once.
    await row.getByRole('button', { name: 'Regenerate element key' }).click();
    const confirm = page.getByRole('dialog', { name: 'Regenerate “element key”?' });
    await confirm.getByLabel('Keep the old key working for').selectOption('0');
    await confirm.getByRole('button', { name: 'Regenerate key' }).click();
    const regenerated = page.getByRole('dialog', { name: 'New key for “element key”' });
    await regenerated.waitFor({ timeout: 60_000 });
    const newKey = await regenerated.getByLabel('API key', { exact: true }).inputValue();
    expect(keyIdOf(newKey)).toBe(id);
    expect(newKey).not.toBe(key);
    const [view] = await listed();
    expect(view).toMatchObject({ id, status: 'active', regeneratedAt: expect.any(String), previousSecretValidUntil: null });
    expect((await ok(newKey)).status).toBe(200);
    expect((await refusedWithin(() => ok(key))).json).toMatchObject({ error: { code: 'revoked_credential' } });
    if (closeSecret === 'Escape') await page.keyboard.press('Escape');
    else await regenerated.getByRole('button', { name: 'Done: I have copied them' }).click();
    await dialogGone(page);
    expect(await focused(page)).toBe('button:Regenerate element key');
    expect(await elementText(page)).not.toContain(newKey);

    // Pause asks first, and the key is refused while paused; Resume brings it back.
    await row.getByRole('button', { name: 'Pause element key' }).click();
    await page.getByRole('dialog', { name: 'Pause “element key”?' }).getByRole('button', { name: 'Pause key' }).click();
    await row.getByText('paused').waitFor({ timeout: 60_000 });
    expect(await listed()).toEqual([expect.objectContaining({ id, status: 'disabled', disabledAt: expect.any(String) })]);
    expect((await refusedWithin(() => ok(newKey))).json).toMatchObject({ error: { code: 'revoked_credential' } });
    await row.getByRole('button', { name: 'Resume element key' }).click();
    await row.getByText('active').waitFor({ timeout: 60_000 });
    expect(await listed()).toEqual([expect.objectContaining({ id, status: 'active', disabledAt: null })]);
    expect(await focused(page)).toBe('button:Pause element key');

    // Revoke: asks first (Cancel has the focus), then the key is refused and its row has no actions.
    await row.getByRole('button', { name: 'Revoke element key' }).click();
    const revoke = page.getByRole('dialog', { name: 'Revoke “element key”?' });
    await revoke.waitFor();
    expect(await focused(page)).toBe('button:Cancel');
    await revoke.getByRole('button', { name: 'Revoke key' }).click();
    await page.getByRole('status').filter({ hasText: 'Key “element key” revoked.' }).waitFor({ timeout: 60_000 });
    expect(await listed()).toEqual([expect.objectContaining({ id, status: 'revoked', revokedAt: expect.any(String) })]);
    expect((await refusedWithin(() => ok(newKey))).json).toMatchObject({ error: { code: 'revoked_credential' } });
    await row.getByText('revoked').waitFor();
    expect(await row.getByRole('button').count()).toBe(0);
    expect(await focused(page)).toBe('h2:API keys');

    // The page heard every change, and never a secret.
    const changes = await page.evaluate(() => window.changes);
    expect(changes.map((c: any) => [c.action, c.key.id])).toEqual([
      ['created', id],
      ['regenerated', id],
      ['paused', id],
      ['resumed', id],
      ['revoked', id],
    ]);
    for (const secret of [key, signingSecret, newKey]) expect(JSON.stringify(changes)).not.toContain(secret);
  }

  it('(a) on the site, served by Hosting, with the session cookie', async () => {
    const user = await createUser();
    const page = await open(`${site()}/elements/`, user);
    const sent: Array<Record<string, string>> = [];
    page.on('request', (r) => void (r.url().startsWith(`${site()}/v1/`) && r.allHeaders().then((h) => sent.push(h))));
    await journey(page, user, 'button');
    expect(sent.length).toBeGreaterThan(0);
    for (const headers of sent) {
      expect(headers.cookie).toMatch(/__session=/);
      expect(headers.authorization).toBeUndefined();
    }
  });

  it('(c) with team="<id>": a team developer lists and creates the team’s keys, offered the team’s grants, never their own claims', async () => {
    const [owner, developer, projectAdmin] = await Promise.all([verifiedUser(), verifiedUser({ permissions: ['billing:write'] }), verifiedUser({ admin: true })]);
    const teamId = await teamWithDeveloper(owner, developer);
    expect((await as(projectAdmin, 'PUT', `/v1/teams/${teamId}/grants`, { permissions: ['reports:read', 'reports:write'] }, 200)).grants).toEqual(['reports:read', 'reports:write']);
    const ownersKey = await as(owner, 'POST', '/v1/keys', { name: 'owner team key', team: teamId }, 201);
    const personal = await as(developer, 'POST', '/v1/keys', { name: 'personal key' }, 201);

    const page = await open(`${site()}/elements/`, developer);
    await page.locator(`tr[data-key-id="${personal.id}"]`).waitFor({ timeout: 60_000 }); // the user's own keys, until `team` is set
    await page.evaluate((id: string) => document.querySelector('keyward-api-keys').setAttribute('team', id), teamId);
    await page.locator(`tr[data-key-id="${ownersKey.id}"]`).waitFor({ timeout: 60_000 });
    expect(await page.locator(`tr[data-key-id="${personal.id}"]`).count()).toBe(0);

    // The scopes on offer are the team's grants (GET /v1/teams/{id}), not the developer's billing:write.
    await page.getByText('Restrictions: expiry, scopes, origins, IP addresses').click();
    expect(await page.locator('input[name="keyward-scopes"]').evaluateAll((boxes: any[]) => boxes.map((b) => b.value))).toEqual(['reports:read', 'reports:write']);
    await page.getByText('Everything the team may do, now and later').waitFor();

    await page.getByLabel('Name', { exact: true }).fill('team element key');
    await page.getByLabel('reports:read').check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const created = page.getByRole('dialog', { name: 'New key “team element key”' });
    await created.waitFor({ timeout: 60_000 });
    const key = await created.getByLabel('API key', { exact: true }).inputValue();
    await created.getByRole('button', { name: 'Done: I have copied them' }).click();
    await dialogGone(page);
    const id = keyIdOf(key);
    await page.locator(`tr[data-key-id="${id}"]`).getByText('active').waitFor();
    // A developer is offered actions on the team keys they created only, not on the owner's.
    expect(await page.locator(`tr[data-key-id="${id}"]`).getByRole('button', { name: 'Revoke team element key' }).count()).toBe(1);
    expect(await page.locator(`tr[data-key-id="${ownersKey.id}"]`).getByRole('button').count()).toBe(0);

    // Through the API: the key is the team's, made by the developer, holding only the scope chosen.
    const teamKeys = (await as(developer, 'GET', `/v1/keys?team=${teamId}`, undefined, 200)).keys as any[];
    expect(teamKeys.map((k) => k.id).sort()).toEqual([ownersKey.id, id].sort());
    expect(teamKeys.find((k) => k.id === id)).toMatchObject({ name: 'team element key', team: teamId, createdBy: developer.uid, scopes: ['reports:read'], status: 'active' });
    expect(((await as(developer, 'GET', '/v1/keys', undefined, 200)).keys as any[]).map((k) => k.id)).toEqual([personal.id]);
    const me = await ok(key);
    expect([me.status, me.json.uid, me.json.claims]).toEqual([200, `team:${teamId}`, { permissions: ['reports:read'] }]);
    expect((await page.evaluate(() => window.changes)).map((c: any) => [c.action, c.key.id])).toEqual([['created', id]]);
  });

  it('without a session says so, and tells the page', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    await context.addInitScript(() => {
      window.errors = [];
      window.addEventListener('keyward-error', (e: any) => window.errors.push(e.detail));
    });
    const page = await context.newPage();
    await page.goto(`${site()}/elements/`);
    await page.getByText('Sign in to manage your API keys.').waitFor({ timeout: 60_000 });
    expect(await page.getByRole('alert').textContent()).not.toBe('');
    expect(await page.evaluate(() => window.errors.map((e: any) => [e.status, e.code]))).toContainEqual([401, 'unauthenticated']);
    expect(await page.getByRole('button', { name: 'Create key' }).count()).toBe(0);
  });

  it('(b) on another origin, with getIdToken, never with the cookie', async () => {
    const user = await createUser();
    const page = await open(`${OTHER_ORIGIN}/`, user);
    const sent: Array<Record<string, string>> = [];
    const reads: Array<Promise<unknown>> = [];
    page.on('request', (r) => void (r.url().startsWith(`${site()}/v1/`) && reads.push(r.allHeaders().then((h) => sent.push(h)))));
    await journey(page, user, 'Escape');
    // Every request's headers, read while the page is open (the usage column's last read may still be out).
    await Promise.all(reads);
    expect(sent.length).toBe(reads.length);
    expect(sent.length).toBeGreaterThan(0);
    for (const headers of sent) {
      expect(headers.authorization).toMatch(/^Bearer ey/);
      expect(headers.cookie).toBeUndefined();
      expect(headers.origin).toBe(OTHER_ORIGIN);
    }

    // A page there that tries the site's cookie on a change gets nothing through: the API grants no
    // credentials to other origins, so the browser stops it at the preflight.
    const outcome = await page.evaluate(async (base: string) => {
      try {
        const res = await fetch(`${base}/v1/keys`, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'sent with the cookie' }) });
        return `answered ${res.status}`;
      } catch {
        return 'refused by the browser';
      }
    }, site());
    expect(outcome).toBe('refused by the browser');
    expect(((await api('/v1/keys', { headers: bearer(user.idToken) })).json.keys as any[]).map((k) => k.name)).toEqual(['element key']);
  });
});
