// Cross-site requests never create a session nor change state with one (through Hosting).
import { api, createUser } from '../../harness/auth';
import { bearer } from '../../harness/keys';
import { expectError, me, postSession, sameOrigin, sessionFor, setCookiesOf, site, withCookie } from './support';

const EVIL = 'https://evil.example';

describe('cross-site requests and sessions', () => {
  it('never creates a session for a foreign Origin or a cross-site fetch', async () => {
    const user = await createUser();
    const attempts: Record<string, string>[] = [
      { origin: EVIL },
      { origin: EVIL, 'sec-fetch-site': 'cross-site' },
      { origin: site(), 'sec-fetch-site': 'cross-site' }, // the fetch metadata wins over a plausible Origin
      { 'sec-fetch-site': 'same-site' }, // a sibling subdomain
      { origin: 'null' }, // sandboxed frames, cross-origin redirects
      { origin: site().replace('127.0.0.1', 'localhost') }, // another host, same machine
    ];
    for (const headers of attempts) {
      const { res, setCookies } = await postSession({ idToken: user.idToken }, headers);
      expectError(res, 403, 'cross_site_request');
      expect(setCookies).toEqual([]);
    }
    // The same token from our own pages works, and so does a client that is not a browser.
    expect((await postSession({ idToken: user.idToken }, sameOrigin())).res.status).toBe(200);
    expect((await postSession({ idToken: user.idToken }, {})).res.status).toBe(200);
  });

  it('refuses the form posts a foreign page can send without CORS (415), with no cookie', async () => {
    const user = await createUser();
    for (const [type, body] of [
      ['application/x-www-form-urlencoded', new URLSearchParams({ idToken: user.idToken }).toString()],
      ['multipart/form-data; boundary=x', `--x\r\nContent-Disposition: form-data; name="idToken"\r\n\r\n${user.idToken}\r\n--x--\r\n`],
      ['text/plain', JSON.stringify({ idToken: user.idToken })],
    ] as const) {
      // A form is posted with the page's Origin: refused either way, and never with a cookie set.
      for (const origin of [EVIL, site()]) {
        const res = await api('/v1/auth/session', { method: 'POST', headers: { 'content-type': type, origin }, body });
        expect([403, 415]).toContain(res.status);
        expect(setCookiesOf(res)).toEqual([]);
      }
      const own = await api('/v1/auth/session', { method: 'POST', headers: { 'content-type': type, origin: site() }, body });
      expectError(own, 415, 'unsupported_media_type');
    }
  });

  it('refuses a state change carried by the cookie from another site, or with neither Origin nor Sec-Fetch-Site', async () => {
    const user = await createUser();
    const cookie = await sessionFor(user);
    const createKey = (headers: Record<string, string>) =>
      api('/v1/keys', { method: 'POST', headers: withCookie(cookie, { 'content-type': 'application/json', ...headers }), body: JSON.stringify({ name: 'csrf' }) });

    expectError(await createKey({ origin: EVIL }), 403, 'cross_site_request');
    expectError(await createKey({ origin: EVIL, 'sec-fetch-site': 'cross-site' }), 403, 'cross_site_request');
    expectError(await createKey({ 'sec-fetch-site': 'cross-site' }), 403, 'cross_site_request');
    expectError(await createKey({}), 403, 'cross_site_request');
    // Nothing was created.
    expect((await api('/v1/keys', { headers: bearer(user.idToken) })).json.keys).toEqual([]);

    // Sign-out everywhere from another site changes nothing either: the cookie keeps working.
    for (const headers of [{ origin: EVIL }, { 'sec-fetch-site': 'cross-site' }, {}] as Record<string, string>[]) {
      const res = await api('/v1/auth/session?all=true', { method: 'DELETE', headers: withCookie(cookie, headers) });
      expectError(res, 403, 'cross_site_request');
      expect(setCookiesOf(res)).toEqual([]);
    }
    expect((await me(cookie)).status).toBe(200);

    // From our own pages the same requests go through.
    expect((await createKey(sameOrigin())).status).toBe(201);
    expect((await createKey({ origin: site() })).status).toBe(201);
  });

  it('leaves reads and bearer credentials alone', async () => {
    const user = await createUser();
    const cookie = await sessionFor(user);
    // A GET changes nothing (and SameSite=Strict keeps browsers from sending the cookie cross-site).
    expect((await api('/v1/me', { headers: withCookie(cookie, { origin: EVIL, 'sec-fetch-site': 'cross-site' }) })).status).toBe(200);
    // An Authorization header is never sent by a browser on its own: no cross-site rule for it.
    const res = await api('/v1/keys', {
      method: 'POST',
      headers: { ...bearer(user.idToken), 'content-type': 'application/json', origin: EVIL },
      body: JSON.stringify({ name: 'bearer' }),
    });
    expect(res.status).toBe(201);
  });
});
