import { limitsChange, limitsFormOf, type LimitsForm } from '../../../console/src/format/limits';

const none = limitsFormOf({ limits: null, credits: null });
const form = (over: Partial<LimitsForm>, base: LimitsForm = none): LimitsForm => ({ ...base, ...over });

describe('console: the limits form', () => {
  it('starts from what is set, with empty fields for none', () => {
    expect(none).toEqual({ requestsPerMinute: '', requestsPerDay: '', credits: '', refillAmount: '', refillInterval: 'month' });
    expect(limitsFormOf({ limits: { requestsPerDay: 500 }, credits: { remaining: 7, refill: { amount: 10, interval: 'day' }, nextRefillAt: null } })).toEqual({
      requestsPerMinute: '',
      requestsPerDay: '500',
      credits: '7',
      refillAmount: '10',
      refillInterval: 'day',
    });
  });

  it('sends only what changed: credits are left alone when only a limit changes (new credits restart the count)', () => {
    const set = limitsFormOf({ limits: { requestsPerMinute: 10 }, credits: { remaining: 7, nextRefillAt: null } });
    expect(limitsChange(set, form({ requestsPerMinute: '20' }, set))).toEqual({ change: { limits: { requestsPerMinute: 20 } } });
    expect(limitsChange(set, form({ requestsPerMinute: '' }, set))).toEqual({ change: { limits: null } });
    expect(limitsChange(set, form({ credits: '' }, set))).toEqual({ change: { credits: null } });
    expect(limitsChange(set, set)).toEqual({ change: {} });
    // The interval alone matters only with a refill amount.
    expect(limitsChange(set, form({ refillInterval: 'day' }, set))).toEqual({ change: {} });
    expect(limitsChange(none, form({ credits: '5', refillAmount: '100', refillInterval: 'day' }))).toEqual({ change: { credits: { remaining: 5, refill: { amount: 100, interval: 'day' } } } });
  });

  it('names the field to fix: whole numbers only, and a refill needs credits to start from', () => {
    expect(limitsChange(none, form({ requestsPerDay: '1.5' }))).toEqual({ error: expect.stringMatching(/whole number/), field: 'requestsPerDay' });
    expect(limitsChange(none, form({ credits: '-3' }))).toEqual({ error: expect.stringMatching(/whole number/), field: 'credits' });
    expect(limitsChange(none, form({ refillAmount: '10' }))).toEqual({ error: expect.stringMatching(/credits to start from/), field: 'credits' });
  });
});
