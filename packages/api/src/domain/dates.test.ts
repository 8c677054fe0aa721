import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  calendarDateInTimeZone,
  daysBetween,
  dueDateFromTerms,
  isOverdue,
  isOverdueOn,
  todayInTimeZone,
} from './dates.js';

describe('calendarDateInTimeZone', () => {
  it.each([
    // one instant, three calendar dates: the org's timezone decides "today"
    ['2026-01-01T10:30:00Z', 'Pacific/Kiritimati', '2026-01-02'], // UTC+14
    ['2026-01-01T10:30:00Z', 'UTC', '2026-01-01'],
    ['2026-01-01T10:30:00Z', 'Pacific/Pago_Pago', '2025-12-31'], // UTC−11
    ['2026-03-29T00:59:59Z', 'Europe/Paris', '2026-03-29'], // DST switch night
    ['2026-03-28T22:59:59Z', 'Europe/Paris', '2026-03-28'],
    ['2026-03-28T23:00:00Z', 'Europe/Paris', '2026-03-29'],
    ['2026-11-01T06:59:59Z', 'America/Los_Angeles', '2026-10-31'],
    ['2026-11-01T07:00:00Z', 'America/Los_Angeles', '2026-11-01'],
    ['2026-06-30T18:29:59Z', 'Asia/Kolkata', '2026-06-30'], // UTC+5:30
    ['2026-06-30T18:30:00Z', 'Asia/Kolkata', '2026-07-01'],
    ['2024-02-29T12:00:00Z', 'Asia/Tokyo', '2024-02-29'],
  ])('%s in %s is %s', (instant, timeZone, expected) => {
    expect(calendarDateInTimeZone(new Date(instant), timeZone)).toBe(expected);
    expect(todayInTimeZone(new Date(instant), timeZone)).toBe(expected);
  });

  it('answers like a fresh formatter for any sequence of instants and zones (the per-minute reuse)', () => {
    const zones = [
      'UTC',
      'Europe/Paris',
      'Asia/Kolkata',
      'Asia/Kathmandu',
      'Pacific/Chatham',
      'America/St_Johns',
      'Africa/Monrovia',
      'Pacific/Kiritimati',
    ];
    const fresh = (instant: Date, timeZone: string) => {
      const parts = new Intl.DateTimeFormat('en-CA', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
      }).formatToParts(instant);
      const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
      return `${part('year')}-${part('month')}-${part('day')}`;
    };
    // Instants cluster around local midnights (seconds apart, inside one UTC minute and across it).
    const midnightUtc = fc.integer({
      min: Date.UTC(1960, 0, 1) / 86_400_000,
      max: Date.UTC(2100, 0, 1) / 86_400_000,
    });
    const instant = fc
      .tuple(
        midnightUtc,
        fc.integer({ min: -14 * 60, max: 14 * 60 }).map((m) => m * 15 * 60_000),
        fc.integer({ min: -90_000, max: 90_000 }),
      )
      .map(([day, offset, jitter]) => new Date(day * 86_400_000 + offset + jitter));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(instant, fc.constantFrom(...zones)), { minLength: 1, maxLength: 30 }),
        (calls) => {
          for (const [at, zone] of calls)
            expect(calendarDateInTimeZone(at, zone)).toBe(fresh(at, zone));
        },
      ),
      { numRuns: 300 },
    );
    // Two instants one second apart in the same UTC minute, across a local midnight (UTC+5:45).
    expect(calendarDateInTimeZone(new Date('2026-06-30T18:14:59Z'), 'Asia/Kathmandu')).toBe(
      '2026-06-30',
    );
    expect(calendarDateInTimeZone(new Date('2026-06-30T18:15:00Z'), 'Asia/Kathmandu')).toBe(
      '2026-07-01',
    );
  });

  it('refuses an invalid instant and an unknown timezone', () => {
    expect(() => calendarDateInTimeZone(new Date('nope'), 'UTC')).toThrow(RangeError);
    expect(() => calendarDateInTimeZone(new Date(), 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});

describe('daysBetween and addDays', () => {
  it.each([
    ['2026-01-01', '2026-01-31', 30],
    ['2026-01-31', '2026-01-01', -30],
    ['2024-02-28', '2024-03-01', 2], // leap year
    ['2023-02-28', '2023-03-01', 1],
    ['2025-12-31', '2026-01-01', 1],
    ['2026-03-28', '2026-03-30', 2], // across a DST change: calendar days, not 24h spans
  ])('from %s to %s is %i days', (from, to, days) => {
    expect(daysBetween(from, to)).toBe(days);
    expect(addDays(from, days)).toBe(to);
  });

  it('addDays and daysBetween are inverse', () => {
    const dateArb = fc
      .date({
        min: new Date('1950-01-01T00:00:00Z'),
        max: new Date('2900-12-31T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString().slice(0, 10));
    fc.assert(
      fc.property(dateArb, fc.integer({ min: -10_000, max: 10_000 }), (date, days) => {
        const later = addDays(date, days);
        expect(daysBetween(date, later)).toBe(days);
        expect(later < date).toBe(days < 0);
      }),
    );
  });

  it.each([['2023-02-29'], ['2026-13-01'], ['26-01-01'], ['2026-1-1'], ['']])(
    'refuses %j',
    (bad) => {
      expect(() => daysBetween(bad, '2026-01-01')).toThrow(RangeError);
      expect(() => addDays(bad, 1)).toThrow(RangeError);
    },
  );

  it('refuses dates out of range and fractional days', () => {
    expect(() => addDays('2999-12-31', 1)).toThrow(/supported range/);
    expect(() => addDays('2026-01-01', 0.5)).toThrow(RangeError);
  });

  it('computes due dates from payment terms', () => {
    expect(dueDateFromTerms('2026-01-31', 30)).toBe('2026-03-02');
    expect(dueDateFromTerms('2026-01-31', 0)).toBe('2026-01-31');
    expect(dueDateFromTerms('2999-12-01', 30)).toBe('2999-12-31');
    expect(dueDateFromTerms('2999-12-20', 30)).toBeNull();
  });
});

describe('isOverdue', () => {
  const base = { status: 'open' as const, amountDue: 100, dueDate: '2026-01-10' };

  it.each([
    [base, '2026-01-11', true],
    [base, '2026-01-10', false], // due today is not overdue yet
    [base, '2026-01-09', false],
    [{ ...base, amountDue: 0 }, '2026-02-01', false],
    [{ ...base, status: 'uncollectible' as const }, '2026-02-01', false],
    [{ ...base, status: 'paid' as const }, '2026-02-01', false],
    [{ ...base, status: 'draft' as const }, '2026-02-01', false],
    [{ ...base, status: 'void' as const }, '2026-02-01', false],
    [{ ...base, dueDate: null }, '2026-02-01', false],
  ])('%j on %s → %s', (invoice, today, expected) => {
    expect(isOverdueOn(invoice, today)).toBe(expected);
  });

  it("uses today's date in the org's timezone", () => {
    const instant = new Date('2026-01-10T23:30:00Z'); // 11th in Paris and Tokyo, 10th in New York
    expect(isOverdue(base, instant, 'Europe/Paris')).toBe(true);
    expect(isOverdue(base, instant, 'Asia/Tokyo')).toBe(true);
    expect(isOverdue(base, instant, 'America/New_York')).toBe(false);
  });
});
