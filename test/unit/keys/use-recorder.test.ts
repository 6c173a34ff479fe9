import { useRecorder, type UseFlush } from '../../../functions/src/keys/use-recorder';
import { eventually } from '../../harness/eventually';

const MINUTE = 60_000;
const DAY1 = Date.parse('2026-11-30T10:00:00Z');

function setup(fail = () => false) {
  let t = DAY1;
  const writes: UseFlush[] = [];
  const recorder = useRecorder(
    async (f) => {
      if (fail()) throw new Error('firestore down');
      writes.push(f);
    },
    { intervalMs: MINUTE, now: () => t, timers: false },
  );
  const sum = (field: 'requests' | 'failures') => writes.flatMap((w) => Object.values(w.days)).reduce((n, c) => n + c[field], 0);
  return { recorder, writes, sum, advance: (ms: number) => (t += ms), now: () => t };
}

describe('use recorder: one write per key per interval, every request counted', () => {
  it('writes the first use at once, then at most once a minute, and loses no count', async () => {
    const { recorder, writes, sum, advance, now } = setup();
    for (let i = 0; i < 250; i++) {
      recorder.touch('k1', now());
      advance(1000); // 250 requests over about 4 minutes
      recorder.tick();
    }
    await recorder.flush();
    expect(sum('requests')).toBe(250);
    expect(sum('failures')).toBe(0);
    expect(writes.length).toBeLessThanOrEqual(6); // first use + one a minute + the final flush
    expect(writes[0]).toEqual({ keyId: 'k1', lastUsedAt: DAY1, days: { '2026-11-30': { requests: 1, failures: 0 } } });
  });

  it('counts refusals as requests and failures, without moving lastUsedAt', async () => {
    const { recorder, writes, sum, now } = setup();
    recorder.refuse('k1', now());
    recorder.touch('k1', now());
    recorder.refuse('k1', now());
    await recorder.flush();
    expect(sum('requests')).toBe(3);
    expect(sum('failures')).toBe(2);
    expect(writes[0]!.lastUsedAt).toBeNull(); // the first write was the refusal
    expect(writes[1]!.lastUsedAt).toBe(DAY1);
    expect(recorder.lastUsed('k1')).toBe(DAY1);
  });

  it('splits counts by UTC day', async () => {
    const { recorder, writes, advance, now } = setup();
    advance(Date.parse('2026-11-30T23:59:59Z') - DAY1);
    recorder.touch('k1', now()); // written at once
    recorder.touch('k1', now());
    advance(2000);
    recorder.touch('k1', now());
    await recorder.flush();
    expect(writes.map((w) => w.days)).toEqual([
      { '2026-11-30': { requests: 1, failures: 0 } },
      { '2026-11-30': { requests: 1, failures: 0 }, '2026-12-01': { requests: 1, failures: 0 } },
    ]);
  });

  it('puts the counts of a failed write back for the next one', async () => {
    let down = true;
    const { recorder, sum, now } = setup(() => down);
    recorder.touch('k1', now());
    recorder.touch('k1', now());
    await recorder.flush();
    expect(sum('requests')).toBe(0);
    down = false;
    await recorder.flush();
    expect(sum('requests')).toBe(2);
  });

  it('keeps keys apart and writes an overdue key on the next tick', async () => {
    const { recorder, writes, advance, now } = setup();
    recorder.touch('a', now());
    recorder.touch('b', now());
    recorder.touch('a', now());
    recorder.tick();
    expect(writes).toHaveLength(2); // the first uses only
    advance(MINUTE);
    recorder.tick();
    await Promise.resolve();
    expect(writes).toHaveLength(3);
    expect(writes[2]).toMatchObject({ keyId: 'a', days: { '2026-11-30': { requests: 1, failures: 0 } } });
  });

  it('writes on its own timer when the interval is up', async () => {
    const writes: UseFlush[] = [];
    const recorder = useRecorder(async (f) => void writes.push(f), { intervalMs: 100 });
    recorder.touch('k', Date.now());
    recorder.touch('k', Date.now());
    await eventually(() => writes.length, (n) => n >= 2, { timeoutMs: 5000, everyMs: 20 });
    expect(writes.map((w) => w.days[Object.keys(w.days)[0]!]!.requests)).toEqual([1, 1]);
  });
});

describe('usage recorder: a key evicted while its write is in flight', () => {
  /** A store whose writes wait until the test settles them, one by one. */
  function heldStore() {
    const held: { flush: UseFlush; settle: (ok: boolean) => void }[] = [];
    const written: UseFlush[] = [];
    const write = (flush: UseFlush) =>
      new Promise<void>((resolve, reject) => {
        held.push({ flush, settle: (ok) => (ok ? (written.push(flush), resolve()) : reject(new Error('firestore down'))) });
      });
    const requests = (keyId: string) => written.filter((w) => w.keyId === keyId).flatMap((w) => Object.values(w.days)).reduce((n, c) => n + c.requests, 0);
    /** Lets every held write (and any it leads to) succeed. */
    const drain = async () => {
      while (held.length) {
        held.shift()!.settle(true);
        await settled();
      }
    };
    return { write, held, written, requests, drain };
  }
  const settled = () => new Promise((r) => setImmediate(r));

  it('keeps the counts of a failed write whose entry was evicted, and never throws from a request', async () => {
    const store = heldStore();
    let t = DAY1;
    const recorder = useRecorder(store.write, { intervalMs: MINUTE, now: () => t, timers: false, maxKeys: 2 });
    recorder.touch('a', t); // the first use: its write is held open
    recorder.touch('b', t);
    recorder.touch('c', t); // the map is full: 'a' is evicted while its write is pending
    store.held.shift()!.settle(false); // …and that write fails
    await settled();

    t += MINUTE;
    expect(() => recorder.tick()).not.toThrow();
    expect(() => recorder.touch('d', t)).not.toThrow();
    // Every write from here on succeeds: everything counted reaches the store, 'a' included.
    await store.drain();
    const flushed = recorder.flush();
    await store.drain();
    await flushed;
    expect(['a', 'b', 'c', 'd'].map(store.requests)).toEqual([1, 1, 1, 1]);
    expect(store.written.find((w) => w.keyId === 'a')).toEqual({ keyId: 'a', lastUsedAt: DAY1, days: { '2026-11-30': { requests: 1, failures: 0 } } });
  });

  it('merges the failed counts into the fresh entry of a key used again after its eviction', async () => {
    const store = heldStore();
    let t = DAY1;
    const recorder = useRecorder(store.write, { intervalMs: MINUTE, now: () => t, timers: false, maxKeys: 1 });
    recorder.touch('a', t); // held
    recorder.touch('b', t); // evicts 'a'
    t += 1000;
    recorder.touch('a', t); // a fresh entry for 'a' (evicting 'b'), written at once: held too
    recorder.refuse('a', t); // counted in the fresh entry
    store.held.shift()!.settle(false); // the first write of 'a' fails
    await settled();
    await store.drain();
    const flushed = recorder.flush();
    await store.drain();
    await flushed;
    expect(store.requests('a')).toBe(3);
    expect(store.requests('b')).toBe(1);
    expect(recorder.lastUsed('a')).toBe(DAY1 + 1000);
  });
});
