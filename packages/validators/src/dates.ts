import { z } from 'zod';

const MIN_YEAR = 1900;
const MAX_YEAR = 2999;

const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Arithmetic, no Date: every output invoice checks two of these (a list page, a hundred). */
function isRealCalendarDate(value: string): boolean {
  if (!CALENDAR_DATE.test(value)) return false;
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  if (year < MIN_YEAR || year > MAX_YEAR || month < 1 || month > 12 || day < 1) return false;
  const days = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  return day <= days;
}

/**
 * A calendar date `YYYY-MM-DD` that exists (no 2023-02-29), years 1900-2999. Dates are
 * calendar dates in the organization's timezone, never instants; they compare as strings.
 */
export const calendarDateSchema = z
  .string('Must be a date string YYYY-MM-DD')
  .max(10, 'Must be a date YYYY-MM-DD')
  .refine(
    isRealCalendarDate,
    `Must be a real calendar date YYYY-MM-DD (years ${MIN_YEAR}-${MAX_YEAR})`,
  );

/** A calendar month `YYYY-MM` (report buckets). */
export const calendarMonthSchema = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'Must be a month YYYY-MM');

let knownTimeZones: ReadonlySet<string> | undefined;

/**
 * IANA names known to this runtime. `supportedValuesOf` lists canonical names only, so aliases
 * such as "UTC" or "Europe/Kiev" fall back to a DateTimeFormat probe, which throws on unknown names.
 */
export function isIanaTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(name)) return false;
  knownTimeZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (knownTimeZones.has(name)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * Fixes the case of a timezone name ("europe/paris" → "Europe/Paris") so stored names suit
 * case-sensitive consumers such as MongoDB's date operators. Properly spelled names are kept as
 * given: ICU would turn the current "Asia/Kolkata" into its legacy "Asia/Calcutta".
 */
export function canonicalTimeZone(name: string): string {
  knownTimeZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (knownTimeZones.has(name)) return name;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    // Invalid names are reported by the refinement; leave the value as it came.
    return name;
  }
  if (resolved.toLowerCase() === name.toLowerCase()) return resolved;
  return /^[A-Z][^/]*(\/[A-Z][^/]*)*$/.test(name) ? name : resolved;
}

export const timeZoneSchema = z
  .string('Must be an IANA timezone name')
  .max(64, 'Must be an IANA timezone name')
  .refine(isIanaTimeZone, 'Must be an IANA timezone such as "Europe/Paris" or "UTC"')
  .overwrite(canonicalTimeZone);

/** Instants in outputs travel as Date through superjson. */
export const instantSchema = z.date();

export type CalendarDate = z.infer<typeof calendarDateSchema>;
export type CalendarMonth = z.infer<typeof calendarMonthSchema>;
export type TimeZone = z.infer<typeof timeZoneSchema>;
