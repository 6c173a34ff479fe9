import type { Identity } from '../../../functions/src/identity';
import type { UsageDay } from '../../../functions/src/store/usage';
import { usageReport } from '../../../functions/src/actions/usage';
import { record } from '../../harness/memory';

const NOW = Date.parse('2026-11-30T12:00:00Z');
const alice: Identity = { uid: 'alice', claims: {}, method: 'session' };
const auditor: Identity = { uid: 'ada', claims: { auditor: true }, method: 'session' };
const docs: UsageDay[] = [
  { keyId: 'AliceKey00000001', ownerUid: 'alice', day: '2026-11-29', requests: 5, failures: 1 },
  { keyId: 'AliceKey00000001', ownerUid: 'alice', day: '2026-11-30', requests: 7, failures: 0 },
  { keyId: 'AliceKey00000002', ownerUid: 'alice', day: '2026-11-30', requests: 2, failures: 2 },
  { keyId: 'BobKey0000000001', ownerUid: 'bob', day: '2026-11-30', requests: 9, failures: 0 },
];
const records = new Map([
  ['AliceKey00000001', record({ keyId: 'AliceKey00000001', ownerUid: 'alice' })],
  ['BobKey0000000001', record({ keyId: 'BobKey0000000001', ownerUid: 'bob' })],
]);
const report = usageReport({
  now: () => NOW,
  keys: { get: async (id) => records.get(id) },
  store: {
    query: async (by, from, to) => docs.filter((d) => ('keyId' in by ? d.keyId === by.keyId : d.ownerUid === by.ownerUid) && d.day >= from && d.day <= to),
  },
});

describe('usage report', () => {
  it("sums a user's keys per day over the last 30 days by default, zeros included", async () => {
    const r = await report.query(alice, {});
    expect(r).toMatchObject({ from: '2026-11-01', to: '2026-11-30', uid: 'alice', keyId: null, totals: { requests: 14, failures: 3 } });
    expect(r.days).toHaveLength(30);
    expect(r.days.at(-1)).toEqual({ day: '2026-11-30', requests: 9, failures: 2 });
    expect(r.days[0]).toEqual({ day: '2026-11-01', requests: 0, failures: 0 });
    expect(r.keys).toEqual([
      { keyId: 'AliceKey00000001', requests: 12, failures: 1 },
      { keyId: 'AliceKey00000002', requests: 2, failures: 2 },
    ]);
  });

  it('reads one key over a range', async () => {
    const r = await report.query(alice, { keyId: 'AliceKey00000001', from: '2026-11-30', to: '2026-11-30' });
    expect(r.totals).toEqual({ requests: 7, failures: 0 });
    expect(r.days).toHaveLength(1);
  });

  it("answers 404 for another user's key and 403 for another user's overview; auditors read anyone's", async () => {
    await expect(report.query(alice, { keyId: 'BobKey0000000001' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(report.query(alice, { uid: 'bob' })).rejects.toMatchObject({ code: 'forbidden' });
    expect((await report.query(auditor, { keyId: 'BobKey0000000001' })).totals.requests).toBe(9);
    expect((await report.query(auditor, { uid: 'bob' })).totals.requests).toBe(9);
  });

  it('lets a key read only its own usage', async () => {
    const asKey: Identity = { uid: 'alice', claims: {}, method: 'api_key', keyId: 'AliceKey00000001' };
    expect((await report.query(asKey, { keyId: 'AliceKey00000001' })).totals.requests).toBe(12);
    await expect(report.query(asKey, {})).rejects.toMatchObject({ code: 'interactive_credential_required' });
    await expect(report.query(asKey, { keyId: 'AliceKey00000002' })).rejects.toMatchObject({ code: 'interactive_credential_required' });
  });

  it('refuses bad ranges and unknown fields', async () => {
    for (const input of [{ from: '2026-02-30' }, { from: 'yesterday' }, { from: '2026-11-30', to: '2026-11-01' }, { from: '2020-01-01', to: '2026-01-01' }, { keyId: 'short' }, { foo: '1' }]) {
      await expect(report.query(alice, input)).rejects.toMatchObject({ code: 'invalid_request' });
    }
  });
});
