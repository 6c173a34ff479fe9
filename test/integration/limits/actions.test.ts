// Session sign-ins per client address and key creation per user, counted on the shared limiter
// (an instance built in this process with small limits; X-Forwarded-For stands for the address
// Hosting reports).
import { createUser } from '../../harness/auth';
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import { jsonHeaders } from '../../harness/keys';
import { expectLimitedAction, fetchJson } from './support';

describe('sign-in and key creation limits', () => {
  let app: InProcessApp;

  beforeAll(async () => {
    app = await startInProcessApp({ KEYWARD_SESSION_LIMIT: '2', KEYWARD_KEY_CREATE_LIMIT: '2' });
  });
  afterAll(async () => {
    await app?.close();
    await app?.services.audit.close();
  });

  it('answers 429 with Retry-After to the third sign-in in a minute from one address', async () => {
    const user = await createUser();
    const ip = `198.51.100.${1 + Math.floor(Math.random() * 250)}`;
    const signIn = (from: string) =>
      fetchJson(`${app.url}/v1/auth/session`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': from }, body: JSON.stringify({ idToken: user.idToken }) });
    expect((await signIn(ip)).status).toBe(200);
    expect((await signIn(ip)).status).toBe(200);
    expectLimitedAction(await signIn(ip), 2, 60);
    // Another address is not limited by this one.
    expect((await signIn('192.0.2.77')).status).toBe(200);
  });

  it('answers 429 with Retry-After to a user creating more keys an hour than allowed', async () => {
    const user = await createUser();
    const create = (idToken: string) => fetchJson(`${app.url}/v1/keys`, { method: 'POST', headers: jsonHeaders(idToken), body: JSON.stringify({ name: 'k' }) });
    expect((await create(user.idToken)).status).toBe(201);
    expect((await create(user.idToken)).status).toBe(201);
    expectLimitedAction(await create(user.idToken), 2, 3600);
    expect((await create((await createUser()).idToken)).status).toBe(201);
  });
});
