// The Cloud Logging sink and reader with the official client, against the local Logging emulator
// started in this process (no Firebase emulators needed), and against a closed port (the outage).
import { freePort } from '../../harness/ports';
import { Logging, type LoggingOptions } from '@google-cloud/logging';
import { grpc } from 'google-gax';
import { startLoggingEmulator, type LoggingEmulator } from '../../../emulators/logging';
import { ACCESS_LOG_ID, accessLine, parseAccessLine } from '../../../functions/src/audit/access-line';
import { cloudLoggingAudit, cloudLoggingEntries, loggingClient, type AuditConfig } from '../../../functions/src/audit/cloud-logging';
import { prepareEntry } from '../../../functions/src/audit/entry';
import type { AuditEvent } from '../../../functions/src/audit/events';
import { auditLog } from '../../../functions/src/actions/audit-log';
import type { Identity } from '../../../functions/src/identity';
import { formatKey, newKeyId, newSecret } from '../../../functions/src/keys/format';
import { eventually } from '../../harness/eventually';

process.env.GOOGLE_CLOUD_PROJECT = 'demo-keyward';
process.env.GCLOUD_PROJECT = 'demo-keyward';
process.env.METADATA_SERVER_DETECTION = 'none';

const PROJECT = 'demo-keyward';
const LOG = `projects/${PROJECT}/logs/keyward-audit`;
const STDOUT = `projects/${PROJECT}/logs/${encodeURIComponent(ACCESS_LOG_ID)}`;
const TRAIL = `(logName = "${LOG}" OR (logName = "${STDOUT}" AND labels.keyward_audit = "true"))`;
const config = (audit: Partial<AuditConfig['audit']> = {}): AuditConfig => ({
  projectId: PROJECT,
  auditLogName: 'keyward-audit',
  audit: { flushDelayMs: 20, batchSize: 50, bufferLimit: 1000, writeTimeoutMs: 3000, ...audit },
});

let emulator: LoggingEmulator;
let env: NodeJS.ProcessEnv;
let raw: Logging;

beforeAll(async () => {
  emulator = await startLoggingEmulator({ port: 0 });
  env = { CLOUD_LOGGING_EMULATOR_HOST: `127.0.0.1:${emulator.port}` };
  raw = new Logging({ projectId: PROJECT, apiEndpoint: '127.0.0.1', port: emulator.port, sslCreds: grpc.credentials.createInsecure() } as LoggingOptions);
});
afterAll(() => emulator.stop());

let n = 0;
const uid = () => `user-${Date.now().toString(36)}-${++n}`;
const request = { ip: '203.0.113.9', userAgent: 'test-agent', method: 'GET', path: '/v1/me', requestId: 'req-1' };
const me = (id: string, claims: Identity['claims'] = {}): Identity => ({ uid: id, claims, method: 'id_token' });

/** Every audit entry (both logs) written for `who`, read with the official client (not the code under test). */
async function rawEntries(who: string) {
  const [entries] = await raw.getEntries({ filter: `${TRAIL} AND labels.actor_uid = "${who}" AND timestamp >= "1970-01-01T00:00:00Z"`, pageSize: 1000, autoPaginate: false });
  return entries;
}

describe('the sink writes one structured entry per event', () => {
  it('records a lifecycle event: jsonPayload, severity, labels, resource, the event time', async () => {
    const sink = cloudLoggingAudit(config(), env);
    const who = uid();
    const before = Date.now();
    await sink.record({ event: 'key.create', outcome: 'success', actor: { uid: who, method: 'id_token' }, target: { uid: who, keyId: 'AbCdEfGh12345678' }, request, reason: 'r' });
    const [entry] = await rawEntries(who);
    expect(entry!.metadata).toMatchObject({
      logName: LOG,
      severity: 'INFO',
      resource: { type: 'global' },
      labels: { event: 'key.create', outcome: 'success', actor_uid: who, actor_method: 'id_token', target_uid: who, key_id: 'AbCdEfGh12345678', request_id: 'req-1' },
    });
    expect(entry!.data).toEqual({
      version: 1,
      event: 'key.create',
      outcome: 'success',
      actor: { uid: who, method: 'id_token' },
      target: { uid: who, keyId: 'AbCdEfGh12345678' },
      request,
      reason: 'r',
      // The first entry of this sink's chain (audit/chain.ts).
      chain: { id: expect.stringMatching(/^[0-9a-f]{16}$/), seq: 1, prev: '', hash: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) },
    });
    const at = (entry!.metadata.timestamp as Date).getTime();
    expect(at).toBeGreaterThanOrEqual(before - 1);
    expect(at).toBeLessThanOrEqual(Date.now() + 1);
    await sink.close();
  });

  it('writes each access event as one structured line, synchronously, in the shape Cloud Run ingests', () => {
    const lines: string[] = [];
    const sink = cloudLoggingAudit(config({ accessTo: 'stdout' }), {}, { access: { write: (l) => void lines.push(l), flush: async () => undefined, stats: () => ({ pending: 0, dropped: 0, writes: 0, failedWrites: 0 }) } });
    const who = uid();
    sink.access({ event: 'auth.failure', outcome: 'failure', actor: { uid: who, method: 'api_key', keyId: 'AbCdEfGh12345678' }, request, reason: 'invalid_credential' });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    expect(lines[0]!.slice(0, -1)).not.toContain('\n');
    const json = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(json).toMatchObject({
      severity: 'WARNING',
      timestamp: { seconds: expect.any(Number), nanos: expect.any(Number) },
      'logging.googleapis.com/insertId': expect.any(String),
      'logging.googleapis.com/labels': { keyward_audit: 'true', event: 'auth.failure', outcome: 'failure', actor_uid: who, actor_key_id: 'AbCdEfGh12345678', key_id: 'AbCdEfGh12345678', request_id: 'req-1' },
      version: 1,
      event: 'auth.failure',
      reason: 'invalid_credential',
    });
    expect(Buffer.byteLength(lines[0]!)).toBeLessThanOrEqual(1024);
    expect(sink.stats()).toMatchObject({ accessLines: 1, buffered: 0, written: 1, dropped: 0, writes: 0 });
  });

  it('keeps the millisecond exactly and reads back as the same payload', () => {
    const at = Date.UTC(2026, 10, 30, 12, 0, 0, 999);
    const entry = prepareEntry({ event: 'auth.success', outcome: 'success', actor: { uid: 'u' }, request }, at, 'id-1');
    const ingested = parseAccessLine(accessLine(entry))!;
    expect(ingested.timestamp).toEqual({ seconds: Math.floor(at / 1000), nanos: 999_000_000 });
    expect(ingested).toMatchObject({ severity: 'INFO', insertId: 'id-1', labels: { ...entry.labels, keyward_audit: 'true' } });
    expect(ingested.jsonPayload).toEqual(entry.payload);
    expect(parseAccessLine('not json')).toBeUndefined();
  });

  it('locally, delivers the lines to the Logging emulator in batches, with severity by outcome, and loses none', async () => {
    const sink = cloudLoggingAudit(config({ batchSize: 40, flushDelayMs: 50 }), env);
    const who = uid();
    const callsBefore = emulator.stats().calls.WriteLogEntries ?? 0;
    const outcomes = ['success', 'failure', 'error'] as const;
    for (let i = 0; i < 100; i++) {
      sink.access({ event: i % 3 === 0 ? 'auth.success' : 'auth.failure', outcome: outcomes[i % 3]!, actor: { uid: who }, request: { ...request, requestId: `r${i}` } });
    }
    await sink.flush();
    const entries = await rawEntries(who);
    expect(entries).toHaveLength(100);
    expect(entries[0]!.metadata).toMatchObject({ logName: STDOUT, resource: { type: 'cloud_run_revision' }, labels: { keyward_audit: 'true', actor_uid: who } });
    expect(sink.stats()).toMatchObject({ accessLines: 100, buffered: 0, written: 100, dropped: 0 });
    expect(sink.stats().writes).toBeLessThanOrEqual(3);
    expect((emulator.stats().calls.WriteLogEntries ?? 0) - callsBefore).toBeLessThanOrEqual(3);
    const severities = new Map(entries.map((e) => [(e.data as AuditEvent).request!.requestId, e.metadata.severity]));
    expect([severities.get('r0'), severities.get('r1'), severities.get('r2')]).toEqual(['INFO', 'WARNING', 'ERROR']);
    await sink.close();
  });

  it('locally, delivers a lone line on its own after flushDelayMs', async () => {
    const sink = cloudLoggingAudit(config({ flushDelayMs: 30 }), env);
    const who = uid();
    sink.access({ event: 'auth.success', outcome: 'success', actor: { uid: who }, request });
    expect(await eventually(() => rawEntries(who), (e) => e.length > 0, { timeoutMs: 5000, everyMs: 20 })).toHaveLength(1);
    await sink.close();
  });

  it('redacts and sanitizes before writing: nothing in the stored entry holds the credential', async () => {
    const sink = cloudLoggingAudit(config(), env);
    const who = uid();
    const keyId = newKeyId();
    const key = formatKey({ type: 'server', keyId, secret: newSecret('server', keyId) });
    sink.access({
      event: 'auth.failure',
      outcome: 'failure',
      actor: { uid: who },
      request: { ...request, userAgent: `evil\n{"severity":"INFO"} ${key}`, origin: `https://x.example/${key}`, path: `/v1/keys/${key}` },
      reason: `Bearer ${key}`,
    });
    await sink.flush();
    const [entry] = await rawEntries(who);
    const stored = JSON.stringify({ metadata: entry!.metadata, data: entry!.data });
    expect(stored).not.toContain(key.split('_')[2]!);
    const data = entry!.data as AuditEvent;
    expect(data.request!.userAgent).toBe('evil\ufffd{"severity":"INFO"} [redacted]');
    expect(data.reason).toBe('[redacted]');
    await sink.close();
  });
});

describe('the reader', () => {
  const sinkConfig = config();
  let read: ReturnType<typeof auditLog>;
  beforeAll(() => {
    const client = loggingClient(PROJECT, { CLOUD_LOGGING_EMULATOR_HOST: `127.0.0.1:${emulator.port}` });
    read = auditLog({ projectId: PROJECT, logName: sinkConfig.auditLogName, list: cloudLoggingEntries(`projects/${PROJECT}`, client) });
  });

  it('pages newest first without duplicates or gaps', async () => {
    const sink = cloudLoggingAudit(sinkConfig, env);
    const who = uid();
    for (let i = 0; i < 23; i++) sink.access({ event: 'auth.success', outcome: 'success', actor: { uid: who }, request: { ...request, requestId: `p${i}` } });
    await sink.flush();
    const seen: string[] = [];
    let token: string | null | undefined;
    let pages = 0;
    do {
      const page = await read.query(me(who), { pageSize: '5', ...(token ? { pageToken: token } : {}) });
      seen.push(...page.entries.map((e) => e.request.requestId!));
      token = page.nextPageToken;
      pages++;
    } while (token);
    expect(pages).toBe(5);
    expect(seen).toEqual(Array.from({ length: 23 }, (_, i) => `p${22 - i}`));
    await sink.close();
  });

  it('compares uids exactly, although Cloud Logging compares strings without case', async () => {
    const sink = cloudLoggingAudit(sinkConfig, env);
    const lower = `case-${Date.now().toString(36)}`;
    const upper = lower.toUpperCase();
    await sink.record({ event: 'key.create', outcome: 'success', actor: { uid: upper }, target: { uid: upper, keyId: 'AbCdEfGh12345678' }, request });
    await sink.record({ event: 'key.create', outcome: 'success', actor: { uid: lower }, target: { uid: lower, keyId: 'AbCdEfGh12345678' }, request });
    const mine = await read.query(me(lower), {});
    expect(mine.entries.map((e) => e.actor.uid)).toEqual([lower]);
    const audited = await read.query(me('auditor-1', { auditor: true }), { uid: lower });
    expect(audited.entries.map((e) => e.actor.uid)).toEqual([lower]);
    await sink.close();
  });

  it("answers Cloud Logging's own quota (RESOURCE_EXHAUSTED) with 429 and Retry-After, never 503; an outage stays 503", async () => {
    const exhausted = Object.assign(new Error('8 RESOURCE_EXHAUSTED: Quota exceeded for ReadRequestsPerMinutePerProject'), { code: 8 });
    const quota = auditLog({ projectId: PROJECT, logName: sinkConfig.auditLogName, list: () => Promise.reject(exhausted) });
    await expect(quota.query(me(uid()), {})).rejects.toMatchObject({ code: 'rate_limited', details: { retryAfterSeconds: 60 } });
    const down = auditLog({ projectId: PROJECT, logName: sinkConfig.auditLogName, list: () => Promise.reject(Object.assign(new Error('14 UNAVAILABLE'), { code: 14 })) });
    await expect(down.query(me(uid()), {})).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('answers a page token Cloud Logging refuses with 400', async () => {
    await expect(read.query(me(uid()), { pageToken: 'bm90LWEtdG9rZW4' })).rejects.toMatchObject({ code: 'invalid_request' });
  });
});

describe('when Cloud Logging is unreachable', () => {
  let down: NodeJS.ProcessEnv;
  beforeAll(async () => {
    down = { CLOUD_LOGGING_EMULATOR_HOST: `127.0.0.1:${await freePort()}` };
  });

  it('record rejects within the write timeout (the operation fails closed)', async () => {
    const reports: Array<Record<string, unknown>> = [];
    const sink = cloudLoggingAudit(config({ writeTimeoutMs: 500 }), down, { report: (l) => reports.push(l) });
    const started = Date.now();
    await expect(sink.record({ event: 'key.revoke', outcome: 'success', actor: { uid: 'u' }, request })).rejects.toBeDefined();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(sink.stats()).toMatchObject({ failedRecords: 1, written: 0 });
    expect(reports[0]).toMatchObject({ message: expect.stringMatching(/could not write key.revoke/) });
    await sink.close();
  });

  it('access lines do not depend on it: each is written at once, whatever the Logging API does', () => {
    const lines: string[] = [];
    const sink = cloudLoggingAudit(config({ writeTimeoutMs: 300 }), down, { access: { write: (l) => void lines.push(l), flush: async () => undefined, stats: () => ({ pending: 0, dropped: 0, writes: 0, failedWrites: 0 }) } });
    for (let i = 0; i < 80; i++) sink.access({ event: 'auth.success', outcome: 'success', actor: { uid: 'u' }, request });
    expect(lines).toHaveLength(80);
    expect(sink.stats()).toMatchObject({ accessLines: 80, dropped: 0, writes: 0 });
  });

  it('locally, lines the emulator does not take are kept within the bound and retried; overflow is counted and reported', async () => {
    const reports: Array<Record<string, unknown>> = [];
    const sink = cloudLoggingAudit(config({ writeTimeoutMs: 300, bufferLimit: 50, batchSize: 1000, flushDelayMs: 10 }), down, { report: (l) => reports.push(l) });
    for (let i = 0; i < 80; i++) sink.access({ event: 'auth.success', outcome: 'success', actor: { uid: 'u' }, request });
    expect(sink.stats()).toMatchObject({ accessLines: 80, buffered: 50, dropped: 30 });
    await sink.flush(); // one attempt, which fails: the lines stay for the next
    expect(sink.stats()).toMatchObject({ buffered: 50, dropped: 30 });
    expect(sink.stats().failedWrites).toBeGreaterThanOrEqual(1);
    expect(reports).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/did not take 50 access entries; retrying/), auditPending: 50, auditDroppedTotal: 30 }));
    await sink.close();
  });
});
