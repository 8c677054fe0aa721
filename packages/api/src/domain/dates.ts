import { type CalendarDate, type InvoiceStatus } from '@invoice/validators';

const DAY_MS = 86_400_000;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a calendar date; throws on anything that is not a real date. */
function toEpochDay(date: CalendarDate): number {
  const match = DATE_PATTERN.exec(date);
  if (!match) throw new RangeError(`"${date}" is not a calendar date YYYY-MM-DD`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day
  ) {
    throw new RangeError(`"${date}" is not a real calendar date`);
  }
  return ms / DAY_MS;
}

function fromEpochDay(epochDay: number): CalendarDate {
  const date = new Date(epochDay * DAY_MS);
  const year = date.getUTCFullYear();
  if (year < 1900 || year > 2999) throw new RangeError('Date out of the supported range 1900-2999');
  return date.toISOString().slice(0, 10);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * `en-CA` formats as YYYY-MM-DD, but the parts are read individually so no locale quirk leaks
 * in. Formatters are cached: building one per call is the expensive part.
 */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      calendar: 'iso8601',
      numberingSystem: 'latn',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

const MINUTE_MS = 60_000;
/** Since 1980 every IANA zone's UTC offset is a whole number of minutes (Monrovia's −0:44:30 ended in 1972). */
const WHOLE_MINUTE_OFFSETS_SINCE = Date.UTC(1980, 0, 1);
const lastDateByZone = new Map<string, { minute: number; date: CalendarDate }>();

/**
 * The calendar date an instant falls on in an IANA timezone. Formatting costs ~20 µs and every
 * request asks for "today": the last answer per zone is reused within the same UTC minute,
 * since a date can only change on a whole minute.
 */
export function calendarDateInTimeZone(instant: Date, timeZone: string): CalendarDate {
  const ms = instant.getTime();
  if (Number.isNaN(ms)) throw new RangeError('Invalid instant');
  const minute = Math.floor(ms / MINUTE_MS);
  const last = lastDateByZone.get(timeZone);
  if (last !== undefined && last.minute === minute) return last.date;
  const date = formatCalendarDate(instant, timeZone);
  if (ms >= WHOLE_MINUTE_OFFSETS_SINCE) lastDateByZone.set(timeZone, { minute, date });
  return date;
}

function formatCalendarDate(instant: Date, timeZone: string): CalendarDate {
  const parts = formatterFor(timeZone).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value;
  const year = part('year');
  const month = part('month');
  const day = part('day');
  if (year === undefined || month === undefined || day === undefined) {
    throw new RangeError(`Cannot read a date in timezone ${timeZone}`);
  }
  return `${year.padStart(4, '0')}-${month}-${day}`;
}

/** Today in the organization's timezone, for the `now` of the request's clock. */
export const todayInTimeZone = calendarDateInTimeZone;

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: CalendarDate, to: CalendarDate): number {
  return toEpochDay(to) - toEpochDay(from);
}

export function addDays(date: CalendarDate, days: number): CalendarDate {
  if (!Number.isSafeInteger(days)) throw new RangeError('Days must be an integer');
  return fromEpochDay(toEpochDay(date) + days);
}

/** The last calendar date inputs accept (validators: years 1900-2999). */
export const LAST_SUPPORTED_DATE: CalendarDate = '2999-12-31';

/**
 * Due date from payment terms: issue date plus the org's paymentTermsDays, or null when that
 * falls after the last supported date (an issue date late in 2999 is valid input, so the caller
 * must answer it as a 4xx, not let addDays' RangeError become a 500).
 */
export function dueDateFromTerms(
  issueDate: CalendarDate,
  paymentTermsDays: number,
): CalendarDate | null {
  if (daysBetween(issueDate, LAST_SUPPORTED_DATE) < paymentTermsDays) return null;
  return addDays(issueDate, paymentTermsDays);
}

export interface OverdueFacts {
  status: InvoiceStatus;
  amountDue: number;
  dueDate: CalendarDate | null;
}

/** Overdue: open, still owing, and due before today's date in the org's timezone. */
export function isOverdue(invoice: OverdueFacts, now: Date, timeZone: string): boolean {
  return isOverdueOn(invoice, calendarDateInTimeZone(now, timeZone));
}

/** Same rule against a known "today", for loops over many invoices of one org. */
export function isOverdueOn(invoice: OverdueFacts, today: CalendarDate): boolean {
  return (
    invoice.status === 'open' &&
    invoice.amountDue > 0 &&
    invoice.dueDate !== null &&
    invoice.dueDate < today
  );
}
