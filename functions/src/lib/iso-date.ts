/**
 * The one parser of dates a caller sends (key expiry on create and PATCH, audit and usage ranges).
 * Pure. One set of rules everywhere: the date exists (`2027-02-30` is refused, where `Date.parse`
 * rolls it over to March 2), a time has a zone (`Z` or `±hh:mm`: a zone-less time would be read
 * in the server's zone), and the instant lies in the four-digit years. The instant is computed
 * here from the fields, not left to `Date.parse`, whose leniency differs between forms.
 */

/** `yyyy-mm-dd`, optionally `Thh:mm[:ss[.fraction]]` with a zone. */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:Z|([+-])(\d{2}):(\d{2})))?$/;

const FIRST = (() => {
  const d = new Date(0);
  d.setUTCFullYear(0, 0, 1); // not Date.UTC, which reads years 0-99 as 1900-1999
  return d.getTime();
})();
const LAST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** How every date field's refusal describes what is accepted. */
export const ISO_DATE_HINT = 'an ISO 8601 date that exists, such as 2027-02-28 or 2027-02-28T12:00:00Z (a time needs a zone: Z or ±hh:mm)';
export const ISO_DATE_TIME_HINT = 'an ISO 8601 date-time that exists, with a zone (Z or ±hh:mm), such as 2027-02-28T12:00:00Z';

export interface IsoDateOptions {
  /** `required`: a bare date is refused (a range bound that must name an instant). Default: optional. */
  time?: 'optional' | 'required';
}

/**
 * A date (`2027-02-28`, midnight UTC) or a date-time with a zone (`2027-02-28T12:00:00Z`,
 * `…+02:00`) as epoch ms, a fraction beyond milliseconds cut; undefined when anything is wrong.
 */
export function parseIsoDate(value: string, opts: IsoDateOptions = {}): number | undefined {
  const m = ISO_DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '0', fraction = '', sign, offH = '0', offM = '0'] = m;
  if (h === undefined && opts.time === 'required') return undefined;
  const [year, month, day, hour, minute, second] = [y, mo, d, h ?? '0', mi ?? '0', s].map(Number) as [number, number, number, number, number, number];
  const at = new Date(0);
  at.setUTCFullYear(year, month - 1, day);
  if (at.getUTCFullYear() !== year || at.getUTCMonth() !== month - 1 || at.getUTCDate() !== day) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || Number(offH) > 23 || Number(offM) > 59) return undefined;
  at.setUTCHours(hour, minute, second, Number(fraction.slice(0, 3).padEnd(3, '0')));
  const offsetMinutes = (sign === '-' ? -1 : 1) * (Number(offH) * 60 + Number(offM));
  const ms = at.getTime() - offsetMinutes * 60_000;
  // An offset can carry an instant across 0000 or 9999, where it no longer has a four-digit year.
  return ms < FIRST || ms > LAST ? undefined : ms;
}
