// The one parser of dates a caller sends (lib/iso-date.ts): key expiry on create and PATCH, the
// audit and usage ranges. One table of rules, so no endpoint accepts what another refuses.
import { parseIsoDate } from '../../../functions/src/lib/iso-date';
import { parseAuditQuery } from '../../../functions/src/actions/audit-log';
import { dayOf } from '../../../functions/src/actions/usage';
import { parseRequest } from '../../../functions/src/contract/parse';

const parseTime = (text: string, field: 'from' | 'to') => parseAuditQuery({ [field]: text })[field]!;
const parseDay = (text: string, field: 'from' | 'to') => dayOf(parseRequest('usageQuery', { [field]: text })[field]!);

const at = (iso: string) => new Date(iso).getTime();

describe('parseIsoDate: a date that exists; a time needs a zone', () => {
  it.each([
    ['2027-02-28', at('2027-02-28T00:00:00.000Z')],
    ['2028-02-29', at('2028-02-29T00:00:00.000Z')], // a leap year
    ['2000-02-29', at('2000-02-29T00:00:00.000Z')], // divisible by 400
    ['0000-02-29', Date.UTC(2000, 1, 29) - 730_485 * 86_400_000], // year 0 is a leap year
    ['2027-02-28T12:00:00Z', at('2027-02-28T12:00:00.000Z')],
    ['2027-02-28T12:00Z', at('2027-02-28T12:00:00.000Z')],
    ['2027-02-28T12:00:00.5Z', at('2027-02-28T12:00:00.500Z')],
    ['2027-02-28T12:00:00.123456789Z', at('2027-02-28T12:00:00.123Z')], // cut to milliseconds
    ['2027-02-28T12:00:00+02:00', at('2027-02-28T10:00:00.000Z')],
    ['2027-02-28T23:30:00-01:00', at('2027-03-01T00:30:00.000Z')],
    ['9999-12-31T23:59:59.999Z', at('9999-12-31T23:59:59.999Z')],
  ])('%s is %d', (text, ms) => {
    expect(parseIsoDate(text)).toBe(ms);
  });

  it.each([
    ['2027-02-30', 'a day that does not exist (Date.parse rolls it over to March 2)'],
    ['2027-02-29', 'February 29 of a common year'],
    ['1900-02-29', 'not a leap year (divisible by 100)'],
    ['2027-04-31', 'April has 30 days'],
    ['2027-13-01', 'month 13'],
    ['2027-00-10', 'month 0'],
    ['2027-01-00', 'day 0'],
    ['2027-02-28T12:00:00', 'a time without a zone (would be read in the server zone)'],
    ['2027-02-28T12:00', 'a time without a zone'],
    ['2027-02-28T24:00:00Z', 'hour 24'],
    ['2027-02-28T23:60:00Z', 'minute 60'],
    ['2027-02-28T23:59:60Z', 'a leap second'],
    ['2027-02-28T12:00:00+24:00', 'offset hour 24'],
    ['2027-02-28T12:00:00+00:60', 'offset minute 60'],
    ['2027-02-28T12:00:00+0200', 'an offset without a colon'],
    ['2027-02-28t12:00:00z', 'lower-case T and Z'],
    ['2027-02-28 12:00:00Z', 'a space for T'],
    ['2027-2-28', 'a one-digit month'],
    ['27-02-28', 'a two-digit year'],
    ['+002027-02-28', 'an expanded year'],
    ['2027-02-28Z', 'a zone on a bare date'],
    ['2027-02-28T12Z', 'an hour alone'],
    ['2027-02-28T12:00:00.Z', 'an empty fraction'],
    ['2027-02-28T12:00:00.1234567890Z', 'ten fraction digits'],
    ['0000-01-01T00:00:00+01:00', 'an instant before year 0000'],
    ['9999-12-31T23:30:00-01:00', 'an instant after year 9999'],
    ['Feb 28 2027', 'not ISO 8601'],
    ['1798761600000', 'epoch milliseconds'],
    ['', 'empty'],
    [' 2027-02-28', 'a leading space'],
    ['2027-02-28\n', 'a trailing newline'],
  ])('%j is refused: %s', (text) => {
    expect(parseIsoDate(text)).toBeUndefined();
  });

  it('a bare date is refused where a time is required (an audit range bound)', () => {
    expect(parseIsoDate('2027-02-28', { time: 'required' })).toBeUndefined();
    expect(parseIsoDate('2027-02-28T00:00:00Z', { time: 'required' })).toBe(at('2027-02-28T00:00:00Z'));
  });

  it('the audit and usage ranges use it: same refusals, with the contract error', () => {
    for (const text of ['2027-02-30T00:00:00Z', '2027-02-28T12:00:00', '2027-02-28T12:00:00+0200']) {
      expect(() => parseTime(text, 'from')).toThrow(expect.objectContaining({ code: 'invalid_request', message: expect.stringMatching(/^from must be an ISO 8601 date-time/) }));
      expect(() => parseDay(text, 'from')).toThrow(expect.objectContaining({ code: 'invalid_request', message: expect.stringMatching(/^from must be an ISO 8601 date/) }));
    }
    expect(() => parseDay('2027-02-30', 'to')).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    expect(parseDay('2027-02-28T23:30:00-01:00', 'to')).toBe('2027-03-01');
    expect(parseTime('2027-02-28T12:00+02:00', 'to')).toBe('2027-02-28T10:00:00.000Z');
  });
});
