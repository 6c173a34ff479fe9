import { accessBuffer, type AccessBufferOptions } from '../../../functions/src/audit/buffer';
import { prepareEntry, type PreparedEntry } from '../../../functions/src/audit/entry';

let clock = 0;
let seq = 0;
const entry = (): PreparedEntry => prepareEntry({ event: 'auth.success', outcome: 'success', actor: { uid: 'u' } }, clock, `id-${++seq}`);

/** A writer whose calls are held until the test settles them. */
function heldWriter() {
  const calls: Array<{ batch: PreparedEntry[]; resolve: () => void; reject: (e: unknown) => void }> = [];
  const write = (batch: PreparedEntry[]) => new Promise<void>((resolve, reject) => calls.push({ batch, resolve, reject }));
  return { calls, write };
}

function make(overrides: Partial<AccessBufferOptions> & Pick<AccessBufferOptions, 'write'>) {
  const reports: Array<Record<string, unknown>> = [];
  const buffer = accessBuffer({ batchSize: 3, bufferLimit: 10, flushDelayMs: 100, now: () => clock, report: (l) => reports.push(l), ...overrides });
  return { buffer, reports };
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

beforeEach(() => {
  jest.useFakeTimers();
  clock = 1_000_000;
});
afterEach(() => jest.useRealTimers());

describe('access buffer: when entries are written', () => {
  it('writes a full batch at once, and a partial one after flushDelayMs', async () => {
    const w = heldWriter();
    const { buffer } = make({ write: w.write });
    buffer.add(entry());
    buffer.add(entry());
    expect(w.calls).toHaveLength(0);
    buffer.add(entry());
    expect(w.calls.map((c) => c.batch.length)).toEqual([3]);
    w.calls[0]!.resolve();
    await settle();

    buffer.add(entry());
    jest.advanceTimersByTime(99);
    expect(w.calls).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(w.calls.map((c) => c.batch.length)).toEqual([3, 1]);
  });

  it('keeps one write in flight: entries queued meanwhile go out together next', async () => {
    const w = heldWriter();
    const { buffer } = make({ write: w.write, batchSize: 100 });
    buffer.add(entry());
    jest.advanceTimersByTime(100);
    expect(w.calls).toHaveLength(1);
    for (let i = 0; i < 5; i++) buffer.add(entry());
    jest.advanceTimersByTime(500);
    expect(w.calls).toHaveLength(1); // still the first write
    w.calls[0]!.resolve();
    await settle();
    expect(w.calls.map((c) => c.batch.length)).toEqual([1, 5]);
    w.calls[1]!.resolve();
    await settle();
    expect(buffer.stats()).toMatchObject({ buffered: 0, written: 6, writes: 2, dropped: 0 });
  });

  it('on tick (the start of a request) writes only what is overdue', () => {
    const w = heldWriter();
    const { buffer } = make({ write: w.write });
    buffer.add(entry());
    clock += 50;
    buffer.tick();
    expect(w.calls).toHaveLength(0);
    clock += 50; // the timer has not run (throttled CPU), the request has
    buffer.tick();
    expect(w.calls).toHaveLength(1);
  });

  it('flush writes everything now, in batches', async () => {
    const written: number[] = [];
    const { buffer } = make({ write: async (b) => void written.push(b.length), batchSize: 4 });
    for (let i = 0; i < 3; i++) buffer.add(entry());
    await buffer.flush();
    expect(written).toEqual([3]);
    expect(buffer.stats().buffered).toBe(0);
  });
});

describe('access buffer: when Cloud Logging is unreachable', () => {
  it('keeps a failed batch first in line, backs off, and loses nothing once it is back', async () => {
    let up = false;
    const sent: string[] = [];
    const { buffer, reports } = make({
      write: async (b) => {
        if (!up) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 14 });
        sent.push(...b.map((e) => e.insertId));
      },
    });
    const ids = [entry(), entry(), entry()].map((e) => (buffer.add(e), e.insertId));
    await settle();
    expect(buffer.stats()).toMatchObject({ buffered: 3, failedWrites: 1, dropped: 0 });
    expect(reports[0]).toMatchObject({ message: expect.stringMatching(/failed; retrying in 1000 ms/), auditBuffered: 3, error: 'connect ECONNREFUSED' });

    buffer.add(entry()); // within backoff: nothing is tried
    clock += 500;
    buffer.tick();
    await settle();
    expect(buffer.stats().failedWrites).toBe(1);

    up = true;
    clock += 600;
    jest.advanceTimersByTime(1000);
    await settle();
    await buffer.flush();
    expect(sent.slice(0, 3)).toEqual(ids); // oldest first
    expect(buffer.stats()).toMatchObject({ buffered: 0, written: 4, dropped: 0 });
  });

  it('holds at most bufferLimit entries, counts the rest as dropped and reports it without flooding', async () => {
    const { buffer, reports } = make({ write: () => Promise.reject(new Error('down')), batchSize: 1000, bufferLimit: 5 });
    for (let i = 0; i < 8; i++) buffer.add(entry());
    expect(buffer.stats()).toMatchObject({ buffered: 5, dropped: 3 });
    const overflow = reports.filter((r) => String(r.message).includes('buffer full'));
    expect(overflow).toEqual([expect.objectContaining({ auditDropped: 1, auditDroppedTotal: 1, auditBuffered: 5 })]); // one line per 10 s
    clock += 10_000;
    buffer.add(entry());
    expect(reports.filter((r) => String(r.message).includes('buffer full')).at(-1)).toMatchObject({ auditDropped: 3, auditDroppedTotal: 4 });
  });

  it('drops a batch Cloud Logging refuses as invalid instead of retrying it forever', async () => {
    const { buffer, reports } = make({ write: () => Promise.reject(Object.assign(new Error('bad'), { code: 3 })), isPermanent: (e) => (e as { code: number }).code === 3 });
    for (let i = 0; i < 3; i++) buffer.add(entry());
    await settle();
    expect(buffer.stats()).toMatchObject({ buffered: 0, dropped: 3, failedWrites: 1 });
    expect(reports.at(-1)).toMatchObject({ auditDropped: 3, message: expect.stringMatching(/refused/) });
  });

  it('abandon counts what is left as dropped (shutdown without Cloud Logging)', async () => {
    const { buffer, reports } = make({ write: () => Promise.reject(new Error('down')) });
    buffer.add(entry());
    buffer.add(entry());
    await expect(buffer.flush()).rejects.toThrow('down');
    buffer.abandon('Cloud Logging unreachable at shutdown');
    expect(buffer.stats()).toMatchObject({ buffered: 0, dropped: 2 });
    expect(reports.at(-1)).toMatchObject({ auditDropped: 2, message: expect.stringMatching(/unreachable at shutdown/) });
  });
});
