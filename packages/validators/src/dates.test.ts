import { describe, expect, it } from 'vitest';
import {
  calendarDateSchema,
  calendarMonthSchema,
  isIanaTimeZone,
  timeZoneSchema,
} from './dates.js';

describe('calendar dates', () => {
  it.each([['2026-01-31'], ['2024-02-29'], ['2000-02-29'], ['1900-01-01'], ['2999-12-31']])(
    'accepts %s',
    (d) => {
      expect(calendarDateSchema.parse(d)).toBe(d);
    },
  );

  it.each([
    ['2023-02-29'], // not a leap year
    ['1900-02-29'], // century rule
    ['2026-04-31'],
    ['2026-13-01'],
    ['2026-00-10'],
    ['2026-1-1'],
    ['26-01-01'],
    ['2026-01-01T00:00:00Z'],
    ['1899-12-31'],
    ['3000-01-01'],
    [' 2026-01-01'],
    ['2026-01-01\u0000'],
    [''],
    [20260101],
    [new Date('2026-01-01')],
    [{ $gte: '2026-01-01' }],
  ])('rejects %j', (d) => {
    expect(calendarDateSchema.safeParse(d).success).toBe(false);
  });

  it('says what it expects', () => {
    expect(calendarDateSchema.safeParse('2023-02-29').error?.issues[0]?.message).toBe(
      'Must be a real calendar date YYYY-MM-DD (years 1900-2999)',
    );
  });

  it.each([['2026-01'], ['2026-12']])('accepts month %s', (m) => {
    expect(calendarMonthSchema.parse(m)).toBe(m);
  });

  it.each([['2026-13'], ['2026-1'], ['2026-00']])('rejects month %s', (m) => {
    expect(calendarMonthSchema.safeParse(m).success).toBe(false);
  });
});

describe('timezones', () => {
  it.each([
    ['Europe/Paris'],
    ['UTC'],
    ['America/Argentina/Buenos_Aires'],
    ['Asia/Kolkata'],
    ['Etc/GMT+5'],
    ['Pacific/Kiritimati'],
  ])('accepts %s', (tz) => {
    expect(timeZoneSchema.parse(tz)).toBe(tz);
    expect(isIanaTimeZone(tz)).toBe(true);
  });

  it.each([
    ['europe/paris', 'Europe/Paris'],
    ['utc', 'UTC'],
    ['GMT', 'GMT'],
    ['US/Pacific', 'US/Pacific'],
    ['Asia/Kolkata', 'Asia/Kolkata'],
    ['asia/kolkata', 'Asia/Calcutta'],
  ])('canonicalizes %s to %s', (tz, canonical) => {
    expect(timeZoneSchema.parse(tz)).toBe(canonical);
  });

  it.each([
    ['Mars/Olympus_Mons'],
    ['Europe/Pariss'],
    ['+02:00'],
    ['$where'],
    ['../../etc/passwd'],
    ['Europe/Paris\u0000'],
    [''],
    ['A'.repeat(65)],
    [{ $ne: '' }],
  ])('rejects %j', (tz) => {
    expect(timeZoneSchema.safeParse(tz).success).toBe(false);
  });
});

describe('calendarDateSchema against the calendar of Date', () => {
  /** The reference: Date.UTC rolls an impossible day or month over into the next. */
  function existsByDate(year: number, month: number, day: number): boolean {
    const date = new Date(Date.UTC(year, month - 1, day));
    return (
      year >= 1900 &&
      year <= 2999 &&
      date.getUTCFullYear() === year &&
      date.getUTCMonth() === month - 1 &&
      date.getUTCDate() === day
    );
  }

  it('accepts exactly the dates that exist, around every kind of leap-year boundary', () => {
    const years = [1899, 1900, 1901, 1904, 1999, 2000, 2023, 2024, 2100, 2400, 2999, 3000];
    let checked = 0;
    for (const year of years) {
      for (let month = 0; month <= 13; month++) {
        for (let day = 0; day <= 32; day++) {
          const text = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
          expect(calendarDateSchema.safeParse(text).success, text).toBe(
            month >= 1 && month <= 12 && existsByDate(year, month, day),
          );
          checked++;
        }
      }
    }
    expect(checked).toBe(years.length * 14 * 33);
  });
});
