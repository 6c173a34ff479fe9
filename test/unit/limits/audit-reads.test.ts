// Audit reads within Cloud Logging's quota: the per-user and project budgets (limits/audit-read-limiter.ts)
// on the one limiter over shared in-memory counters (two instances), and the short cache in front
// of them (audit/read-cache.ts).
import type { EntryPage, ListEntries } from '../../../functions/src/audit/entry';
import { auditReads } from '../../../functions/src/audit/read-cache';
import { KeywardError } from '../../../functions/src/errors';
import { errorHeaders } from '../../../functions/src/http/errors';
import { auditReadLimiter, type AuditReadRules } from '../../../functions/src/limits/audit-read-limiter';
import { memoryCounters } from '../../harness/memory-stores';
import { leasedLimiter } from '../../../functions/src/limits/limiter';

const T = Date.UTC(2026, 0, 1, 12, 0, 15); // 45 s before the minute ends
const RULES: AuditReadRules = { perUser: { limit: 3, period: 'minute' }, perProject: { limit: 5, period: 'minute' } };

/** Two instances over one set of counters, at a clock the test moves. */
function instances(rules = RULES) {
  const counters = memoryCounters();
  const clock = { now: T };
  const now = () => clock.now;
  const make = () => auditReadLimiter(leasedLimiter(counters, { now }), rules, 'projects/p', now);
  return { counters, clock, a: make(), b: make() };
}

async function refusal(p: Promise<unknown>): Promise<KeywardError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof KeywardError)) throw new Error(`expected a refusal, got ${String(err)}`);
  return err;
}

describe('audit read budget', () => {
  it("refuses a user's 4th read in a minute across instances with 429 rate_limited and Retry-After, and serves another user", async () => {
    const { a, b } = instances();
    await a.take('alice');
    await b.take('alice');
    await a.take('alice');
    const err = await refusal(b.take('alice'));
    expect([err.code, err.message, err.details.retryAfterSeconds]).toEqual(['rate_limited', 'Too many audit reads; try again in 45 s.', 45]);
    expect(errorHeaders(err)).toMatchObject({ 'Retry-After': '45', 'RateLimit-Limit': '3', 'RateLimit-Remaining': '0', 'RateLimit-Reset': '45' });
    await expect(a.take('bob')).resolves.toBeUndefined();
  });

  it("refuses everyone once the project's budget is spent, and a user refused by their own budget spends none of it", async () => {
    const { a, b, counters } = instances();
    for (let i = 0; i < 3; i++) await a.take('alice');
    await refusal(a.take('alice'));
    await refusal(b.take('alice'));
    // The project counter holds alice's three reads only: her refusals took nothing from it.
    expect(counters.values.get(`audit-read-project:${encodeURIComponent('projects/p')}:${T - 15_000}`)).toBe(3);
    await b.take('bob');
    await a.take('carol');
    const err = await refusal(b.take('dave'));
    expect([err.code, err.details.retryAfterSeconds, err.details.rateLimit?.limit]).toEqual(['rate_limited', 45, 5]);
  });

  it('a verification charges the caller once and the project per page', async () => {
    const { a, counters } = instances();
    await a.takeUser('auditor');
    for (let page = 0; page < 5; page++) await a.takeProject();
    expect(counters.values.get(`audit-read-project:${encodeURIComponent('projects/p')}:${T - 15_000}`)).toBe(5);
    // The project's five are spent: another page, or anyone's read, is refused; the auditor's own budget still has two.
    const err = await refusal(a.takeProject());
    expect([err.code, err.details.rateLimit?.limit]).toEqual(['rate_limited', 5]);
    await a.takeUser('auditor');
    await a.takeUser('auditor');
    expect((await refusal(a.takeUser('auditor'))).details.rateLimit?.limit).toBe(3);
  });

  it('starts over in the next minute', async () => {
    const { a, clock } = instances();
    for (let i = 0; i < 3; i++) await a.take('alice');
    await refusal(a.take('alice'));
    clock.now = T + 45_000;
    await expect(a.take('alice')).resolves.toBeUndefined();
  });
});

describe('audit read cache', () => {
  const page = (n: number): EntryPage => ({ entries: [{ insertId: `e${n}` }], nextPageToken: undefined }) as unknown as EntryPage;

  function setup(ttlMs = 5000) {
    const clock = { now: T };
    const spent: string[] = [];
    let calls = 0;
    const list: ListEntries = async () => page(++calls);
    const reads = auditReads({ spend: async (view) => void spent.push(view.callerCharged ? `project:${view.uid}` : view.uid), ttlMs, now: () => clock.now });
    return { clock, spent, reads, list, calls: () => calls };
  }
  const q = { filter: 'logName = "x"', pageSize: 50 };

  it('answers an identical read within the window from memory, without spending', async () => {
    const { reads, list, spent, calls, clock } = setup();
    const alice = reads({ uid: 'alice', everyone: false }, list);
    expect(await alice(q)).toEqual(page(1));
    clock.now += 4999;
    expect(await alice({ ...q })).toEqual(page(1));
    expect([spent, calls()]).toEqual([['alice'], 1]);
    clock.now += 1;
    expect(await alice(q)).toEqual(page(2));
    expect([spent, calls()]).toEqual([['alice', 'alice'], 2]);
  });

  it('spends for a different page, page size, order or view, and never shares a page across views', async () => {
    const { reads, list, spent, calls } = setup();
    await reads({ uid: 'alice', everyone: false }, list)(q);
    await reads({ uid: 'alice', everyone: false }, list)({ ...q, pageToken: 't' });
    await reads({ uid: 'alice', everyone: false }, list)({ ...q, pageSize: 51 });
    await reads({ uid: 'alice', everyone: false }, list)({ ...q, order: 'asc' });
    await reads({ uid: 'bob', everyone: false }, list)(q);
    await reads({ uid: 'alice', everyone: true }, list)(q);
    await reads({ uid: 'auditor2', everyone: true }, list)(q); // auditors share everyone's view
    expect([spent, calls()]).toEqual([['alice', 'alice', 'alice', 'alice', 'bob', 'alice'], 6]);
    // A page of a verification (the caller charged once for it) spends the project's budget only.
    await reads({ uid: 'auditor2', everyone: true, callerCharged: true }, list)({ ...q, order: 'asc' });
    expect(spent[spent.length - 1]).toBe('project:auditor2');
  });

  it('keeps no failure, and spends on every read when the window is 0', async () => {
    const { reads, spent, clock } = setup();
    let fail = true;
    const flaky: ListEntries = async () => {
      if (fail) throw new Error('down');
      return page(9);
    };
    const alice = reads({ uid: 'alice', everyone: false }, flaky);
    await expect(alice(q)).rejects.toThrow('down');
    fail = false;
    clock.now += 1;
    expect(await alice(q)).toEqual(page(9));
    expect(spent).toEqual(['alice', 'alice']);

    const off = setup(0);
    const bob = off.reads({ uid: 'bob', everyone: false }, off.list);
    await bob(q);
    await bob(q);
    expect([off.spent, off.calls()]).toEqual([['bob', 'bob'], 2]);
  });

  it('keeps at most maxEntries log entries: the oldest pages go first', async () => {
    const clock = { now: T };
    const spent: string[] = [];
    let calls = 0;
    const reads = auditReads({ spend: async (view) => void spent.push(view.callerCharged ? `project:${view.uid}` : view.uid), ttlMs: 5000, now: () => clock.now, maxEntries: 2 });
    const alice = reads({ uid: 'alice', everyone: false }, async () => page(++calls)); // one entry a page
    for (const filter of ['a', 'b', 'c']) await alice({ filter, pageSize: 1 });
    await new Promise((r) => setImmediate(r));
    await alice({ filter: 'c', pageSize: 1 }); // kept
    await alice({ filter: 'b', pageSize: 1 }); // kept
    expect(calls).toBe(3);
    await alice({ filter: 'a', pageSize: 1 }); // dropped for room: read again
    expect([calls, spent.length]).toEqual([4, 4]);
  });

  it('a refused budget reads nothing', async () => {
    let calls = 0;
    const reads = auditReads({ spend: async () => Promise.reject(new KeywardError('rate_limited', 'no')), ttlMs: 5000, now: () => T });
    await expect(reads({ uid: 'a', everyone: false }, async () => page(++calls))(q)).rejects.toMatchObject({ code: 'rate_limited' });
    expect(calls).toBe(0);
  });
});
