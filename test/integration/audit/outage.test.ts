// Cloud Logging unreachable. The app the function serves runs in this process against the stack's
// emulators, but its Logging client points at a closed port: lifecycle operations fail closed
// (503, nothing half-done), requests still authenticate and each still writes its access line (as
// in production, to stdout, which does not depend on the Logging API), and reading the trail fails
// closed too. Then the outage ends, and the app's chain verifies clean: the refused writes are
// declared void by its checkpoint, not missing, and what it printed meanwhile is all there.
import { Logging, type LoggingOptions } from '@google-cloud/logging';
import { grpc } from 'google-gax';
import { loggingOutage, type LoggingOutage } from '../../harness/logging-outage';
import { eventually } from '../../harness/eventually';
import { api, createUser, type TestUser } from '../../harness/auth';
import { startInProcessApp, type InProcessApp } from '../../harness/in-process';
import { createKey, jsonHeaders } from '../../harness/keys';
import { loggingEmulatorTransport, stdoutTransport } from '../../../functions/src/audit/access-transport';
import { ACCESS_LOG_ID } from '../../../functions/src/audit/access-line';
import { bearer, withRole } from './support';

let app: InProcessApp;
let user: TestUser;
/** The address the app's Logging client was given: nothing listens there until the outage ends. */
let outage: LoggingOutage;
let startedAt: string;
/** The access lines the app writes (what production prints on stdout). */
const lines: string[] = [];
/** What the sink reports for operators: structured lines on stderr. */
let stderr: jest.SpyInstance;
const reported = () => stderr.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);
const local = (path: string, init: RequestInit = {}) => fetch(`${app.url}${path}`, init);
const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

beforeAll(async () => {
  stderr = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  outage = await loggingOutage();
  startedAt = new Date().toISOString();
  app = await startInProcessApp(
    { CLOUD_LOGGING_EMULATOR_HOST: outage.host, KEYWARD_AUDIT_WRITE_TIMEOUT_MS: '300' },
    { auditAccess: stdoutTransport((line) => lines.push(line)) },
  );
  user = await createUser();
});
afterAll(async () => {
  await app?.close();
  await app?.services.audit.close();
  await outage?.close();
  stderr.mockRestore();
});

/** Cloud Run delivers what an instance printed whether or not the Logging API answered it: here, to the stack's emulator. */
async function deliver(printed: string[]): Promise<void> {
  const [host, port] = process.env.CLOUD_LOGGING_EMULATOR_HOST!.split(':');
  const logging = new Logging({ projectId: process.env.GOOGLE_CLOUD_PROJECT ?? 'demo-keyward', apiEndpoint: host, port: Number(port), sslCreds: grpc.credentials.createInsecure() } as LoggingOptions);
  const agent = loggingEmulatorTransport({ log: () => logging.log(ACCESS_LOG_ID), batchSize: 200, bufferLimit: 10_000, flushDelayMs: 0, writeTimeoutMs: 5000, report: () => undefined });
  for (const line of printed) agent.write(line);
  await agent.flush();
  expect(agent.stats()).toMatchObject({ pending: 0, dropped: 0 });
  await logging.loggingService.close();
}

describe('when Cloud Logging is unreachable', () => {
  it('creating a key is a 503 and leaves no key behind', async () => {
    const res = await local('/v1/keys', { method: 'POST', headers: jsonHeaders(user.idToken), body: JSON.stringify({ name: 'not audited' }) });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await errorCode(res)).toBe('unavailable');
    const list = await api('/v1/keys', { headers: bearer(user.idToken) }); // through the working stack
    expect(list.json.keys).toEqual([]);
  });

  it('regenerating is a 503 and the key keeps working as before; a revocation stands', async () => {
    const key = await createKey(user, { name: 'kept' }); // through the working stack
    const regenerate = await local(`/v1/keys/${key.id}/regenerate`, { method: 'POST', headers: jsonHeaders(user.idToken), body: '{}' });
    expect(regenerate.status).toBe(503);
    const view = await api(`/v1/keys/${key.id}`, { headers: bearer(user.idToken) });
    expect(view.json).toMatchObject({ status: 'active', regeneratedAt: null });
    expect((await api('/v1/me', { headers: { 'x-api-key': key.key } })).status).toBe(200);
    // A revocation is never undone for want of its audit entry: a leaked key dies during the outage too.
    const revoke = await local(`/v1/keys/${key.id}`, { method: 'DELETE', headers: bearer(user.idToken) });
    expect([revoke.status, ((await revoke.json()) as { status: string }).status]).toEqual([200, 'revoked']);
    expect((await api(`/v1/keys/${key.id}`, { headers: bearer(user.idToken) })).json.status).toBe('revoked');
  });

  it('requests still authenticate, and each writes its one access line at once', async () => {
    const before = lines.length;
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await local('/v1/me', { headers: bearer(user.idToken) });
      expect(res.status).toBe(200);
      ids.push(res.headers.get('x-request-id')!);
    }
    // Written before each response was sent: no waiting, no timing assumption.
    const written = lines.slice(before).map((l) => JSON.parse(l) as { event: string; request: { requestId: string }; 'logging.googleapis.com/labels': Record<string, string> });
    expect(written.map((l) => l.request.requestId)).toEqual(ids);
    expect(written.every((l) => l.event === 'auth.success' && l['logging.googleapis.com/labels'].keyward_audit === 'true')).toBe(true);
    expect(app.services.audit.stats()).toMatchObject({ dropped: 0, buffered: 0 });
    expect(reported()).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/could not write key.create/) }));
  });

  it('reading the trail is a 503', async () => {
    const res = await local('/v1/audit', { headers: bearer(user.idToken) });
    expect(res.status).toBe(503);
    expect(await errorCode(res)).toBe('unavailable');
  });

  it('once it is over, the app’s chain verifies clean: its refused writes are void, not missing', async () => {
    await outage.end();
    // The app's own client reconnects (its reads answer again), then it stops: its final checkpoint
    // goes to both stores, with the Logging copies of the ones Logging could not take before.
    await eventually(() => local('/v1/audit', { headers: bearer(user.idToken) }), (res) => res.status === 200, { timeoutMs: 20_000, everyMs: 250 });
    await app.close();
    await deliver(lines);
    const chain = (JSON.parse(lines[0]!) as { chain: { id: string } }).chain.id;
    const finals = await import('../../harness/admin').then(({ adminDb }) => adminDb().collection('auditCheckpoints').where('chain', '==', chain).where('final', '==', true).get());
    expect(finals.size).toBe(1);
    const auditor = await withRole(await createUser(), { auditor: true });
    const verified = await api(`/v1/audit/verify?${new URLSearchParams({ from: startedAt, to: new Date().toISOString() })}`, { headers: bearer(auditor.idToken) });
    expect(verified.status).toBe(200);
    expect(verified.json.problems.filter((p: { chain?: string }) => p.chain === chain)).toEqual([]);
    expect(verified.json.ok).toBe(true);
  }, 60_000);
});
