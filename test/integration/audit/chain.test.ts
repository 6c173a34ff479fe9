// The audit chains end to end against a Cloud Logging emulator and Firestore: entries written by
// the real sink, checkpoints signed with the audit signing secret, then the store tampered with
// behind the API's back (as someone with Logging rights could) and the verifier's report checked
// for each kind of tampering. The tampered trail lives in its own Logging emulator and its own
// project, so nothing here touches the rest of the suite's trail.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Logging, type LoggingOptions } from '@google-cloud/logging';
import { grpc } from 'google-gax';
import { startLoggingEmulator, type LoggingEmulator, type TamperedEntry } from '../../../emulators/logging';
import { entryHash } from '../../../functions/src/audit/chain';
import { loadConfig } from '../../../functions/src/config';
import type { Identity } from '../../../functions/src/identity';
import { createServices, type Services } from '../../../functions/src/services';
import { seedSecrets } from '../../../scripts/stack';
import { createUser } from '../../harness/auth';
import { eventually } from '../../harness/eventually';
import { TEST_FUNCTIONS_ENV } from '../../harness/ports';
import { audit, bearer, withRole } from './support';

const PROJECT = 'demo-keyward-chain';
const AUDITOR: Identity = { uid: 'auditor-1', claims: { auditor: true }, method: 'id_token' };

let emulator: LoggingEmulator;
let env: NodeJS.ProcessEnv;
let reader: Services;

beforeAll(async () => {
  emulator = await startLoggingEmulator({ port: 0 });
  const smPort = Number(process.env.SECRET_MANAGER_EMULATOR_HOST!.split(':')[1]);
  await seedSecrets(smPort, PROJECT);
  env = { ...process.env, ...TEST_FUNCTIONS_ENV, GOOGLE_CLOUD_PROJECT: PROJECT, GCLOUD_PROJECT: PROJECT, CLOUD_LOGGING_EMULATOR_HOST: `127.0.0.1:${emulator.port}`, KEYWARD_AUDIT_CHECKPOINT_MS: '60000' };
  reader = createServices(loadConfig(env), env);
}, 60_000);
afterAll(async () => {
  await reader?.audit.close();
  await emulator?.stop();
});

/** Ten entries of one writer (lifecycle and access, 5 ms apart), and its final checkpoint (none before: the interval is an hour). */
let lastT = 0;
async function writeTrail(): Promise<{ from: string; to: string; chain: string; bySeq: (seq: number) => TamperedEntry }> {
  // Each trail's time (its checkpoints' too) after the one before: each test's range holds its own chain only.
  let t = Math.max(Date.now(), lastT + 1000);
  const writerEnv = { ...env, KEYWARD_AUDIT_CHECKPOINT_MS: '3600000' };
  const writer = createServices(loadConfig(writerEnv), writerEnv, { now: () => (t += 5) });
  const from = new Date(t).toISOString();
  for (let i = 1; i <= 10; i++) {
    const event = { event: i % 2 ? ('key.create' as const) : ('auth.success' as const), outcome: 'success' as const, actor: { uid: `user-${i}`, method: 'id_token' as const } };
    if (i % 2) await writer.audit.record(event);
    else writer.audit.access(event);
  }
  await writer.audit.close(); // the final checkpoint
  const to = new Date(t + 5).toISOString();
  lastT = t + 5;
  const mine = emulator.tamper.entries().filter((e) => e.jsonPayload?.chain && Date.parse(isoOf(e)) >= Date.parse(from) && Date.parse(isoOf(e)) <= Date.parse(to));
  const chain = (mine[0]!.jsonPayload!.chain as { id: string }).id;
  return { from, to, chain, bySeq: (seq) => mine.find((e) => (e.jsonPayload!.chain as { seq: number }).seq === seq)! };
}

const isoOf = (e: TamperedEntry) => new Date(Number(e.timestamp.seconds) * 1000 + Math.floor(e.timestamp.nanos / 1e6)).toISOString();
const verify = (from: string, to: string) => reader.auditVerify.verify(AUDITOR, { from, to });
const places = (r: { problems: Array<{ kind: string; seq?: number; toSeq?: number; store?: string }> }) => r.problems.map((p) => [p.kind, p.seq, p.toSeq ?? p.store]).sort();

describe('the audit trail verifier against a tampered Cloud Logging store', () => {
  it('verifies an untouched trail clean, and GET /v1/audit entries show their place', async () => {
    const { from, to, chain } = await writeTrail();
    expect(await verify(from, to)).toEqual({ ok: true, entries: 10, chains: 1, checkpoints: 1, pending: 0, problems: [] });
    const page = await reader.auditLog.query(AUDITOR, { from, to, pageSize: 100 });
    expect(page.entries.map((e) => [e.chain?.id, e.chain?.seq])).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map((s) => [chain, s]));
  });

  it('reports one deleted entry as its missing sequence number', async () => {
    const { from, to, bySeq } = await writeTrail();
    expect(emulator.tamper.remove((e) => e.insertId === bySeq(4).insertId)).toBe(1);
    expect(places(await verify(from, to))).toEqual([['missing', 4, 4]]);
  });

  it('reports one altered field as that entry altered', async () => {
    const { from, to, bySeq } = await writeTrail();
    emulator.tamper.update(bySeq(3).insertId, (e) => void (e.jsonPayload!.outcome = 'failure'));
    expect(places(await verify(from, to))).toEqual([['altered', 3, undefined]]);
  });

  it('reports two entries that swapped places in time as reordered', async () => {
    const { from, to, bySeq } = await writeTrail();
    const [a, b] = [bySeq(6), bySeq(7)];
    emulator.tamper.update(a.insertId, (e) => void (e.timestamp = b.timestamp));
    emulator.tamper.update(b.insertId, (e) => void (e.timestamp = a.timestamp));
    expect(places(await verify(from, to))).toEqual([
      ['reordered', 6, undefined],
      ['reordered', 7, undefined],
    ]);
  });

  it('reports a forged entry written with the official client as inserted, however well its hash is made', async () => {
    const { from, to, bySeq } = await writeTrail();
    const real = bySeq(5);
    const link = { ...(real.jsonPayload!.chain as { id: string; seq: number; prev: string; hash: string }) };
    const { chain: _c, ...payload } = { ...real.jsonPayload!, actor: { uid: 'someone-else', method: 'id_token' } } as Record<string, unknown>;
    const timestamp = new Date(Date.parse(isoOf(real)) + 1);
    link.hash = entryHash(link, { timestamp: timestamp.toISOString(), severity: 'INFO', payload });
    const host = env.CLOUD_LOGGING_EMULATOR_HOST!;
    const logging = new Logging({ projectId: PROJECT, apiEndpoint: '127.0.0.1', port: Number(host.split(':')[1]), sslCreds: grpc.credentials.createInsecure() } as LoggingOptions);
    const log = logging.log('keyward-audit');
    await log.write(log.entry({ resource: { type: 'global' }, timestamp, severity: 'INFO', insertId: 'forged-1' }, { ...payload, chain: link }));
    await logging.loggingService.close();
    const report = await verify(from, to);
    expect(places(report)).toEqual([['inserted', 5, undefined]]);
    expect(report.problems[0]!.insertId).toBe('forged-1');
  });

  it('sees a chain’s tail removed, its checkpoints in Logging too, from the checkpoints in Firestore', async () => {
    const { from, to, chain, bySeq } = await writeTrail();
    const tail = [8, 9, 10].map((s) => bySeq(s).insertId);
    expect(emulator.tamper.remove((e) => tail.includes(e.insertId) || (e.logName.endsWith('keyward-audit-checkpoints') && e.insertId.startsWith(chain)))).toBe(4);
    expect(places(await verify(from, to))).toEqual([
      ['checkpoint_missing', 10, 'logging'],
      ['missing', 8, 10],
    ]);
  });

  it('exports a range that a script with only jose and node:crypto verifies, and that npm run audit:verify checks', async () => {
    const { from, to, bySeq } = await writeTrail();
    const exported = await reader.auditVerify.export(AUDITOR, { from, to });
    const dir = mkdtempSync(join(tmpdir(), 'keyward-audit-'));
    writeFileSync(join(dir, 'export.json'), JSON.stringify(exported));
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: await reader.auditJwks() }));
    const run = promisify(execFile);
    const script = await run(process.execPath, [join(__dirname, '../../../docs/audit-verify-example.mjs'), join(dir, 'export.json'), join(dir, 'jwks.json')], { cwd: join(__dirname, '../../..') });
    expect(JSON.parse(script.stdout)).toEqual({ entries: 10, chains: 1, checkpoints: 1, problems: [] });
    const tool = await run('npx', ['tsx', 'scripts/audit-verify.ts', join(dir, 'export.json'), '--jwks', join(dir, 'jwks.json')], { cwd: join(__dirname, '../../..') });
    expect(JSON.parse(tool.stdout)).toMatchObject({ ok: true, entries: 10, problems: [] });
    // An altered export fails both.
    const altered = JSON.parse(JSON.stringify(exported)) as typeof exported;
    const victim = altered.entries.find((e) => e.insertId === bySeq(2).insertId)!;
    victim.payload.outcome = 'failure';
    writeFileSync(join(dir, 'altered.json'), JSON.stringify(altered));
    const failed = await run(process.execPath, [join(__dirname, '../../../docs/audit-verify-example.mjs'), join(dir, 'altered.json'), join(dir, 'jwks.json')], { cwd: join(__dirname, '../../..') }).catch((e: { code: number; stdout: string }) => e) as { code?: number; stdout: string };
    expect([failed.code, JSON.parse(failed.stdout).problems]).toEqual([1, [expect.stringContaining('seq 2')]]);
  }, 60_000);
});

describe('GET /v1/audit/verify on the running stack', () => {
  it('is for auditors only, and verifies the range of this test’s own requests clean once checkpointed', async () => {
    const from = new Date().toISOString();
    const user = await createUser();
    const auditor = await withRole(await createUser(), { auditor: true });
    for (let i = 0; i < 3; i++) expect((await audit(bearer(user.idToken), { pageSize: '1' })).status).toBe(200);
    const to = new Date().toISOString();
    const refused = await audit(bearer(user.idToken), `from=${from}`).then(() => fetchVerify(user.idToken, from, to));
    expect([refused.status, refused.json.error.code]).toEqual([403, 'forbidden']);
    // Checkpoints come every KEYWARD_AUDIT_CHECKPOINT_MS (5 s in the tests): wait until nothing is pending.
    const report = await eventually(() => fetchVerify(auditor.idToken, from, to), (r) => r.status !== 200 || r.json.pending === 0, { timeoutMs: 20_000, everyMs: 500 });
    expect(report.status).toBe(200);
    expect(report.json).toMatchObject({ ok: true, pending: 0, problems: [] });
    expect(report.json.entries).toBeGreaterThanOrEqual(3);
    const bad = await fetchVerify(auditor.idToken, to, from);
    expect([bad.status, bad.json.error.code]).toEqual([400, 'invalid_request']);
  }, 60_000);
});

async function fetchVerify(idToken: string, from: string, to: string) {
  const { api } = await import('../../harness/auth');
  return api(`/v1/audit/verify?${new URLSearchParams({ from, to })}`, { headers: bearer(idToken) });
}
