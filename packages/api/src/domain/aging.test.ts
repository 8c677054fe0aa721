import { describe, expect, it } from 'vitest';
import { ageReceivables, agingBucket, emptyAging } from './aging.js';

describe('agingBucket', () => {
  it.each([
    ['2026-05-10', 'current'], // due in the future
    ['2026-04-01', 'current'], // due today
    ['2026-03-31', 'days1to30'],
    ['2026-03-02', 'days1to30'], // 30 days past due
    ['2026-03-01', 'days31to60'], // 31
    ['2026-01-31', 'days31to60'], // 60
    ['2026-01-30', 'days61to90'], // 61
    ['2026-01-01', 'days61to90'], // 90
    ['2025-12-31', 'days90plus'], // 91
    ['2020-01-01', 'days90plus'],
  ])('due %s, today 2026-04-01 → %s', (dueDate, bucket) => {
    expect(agingBucket(dueDate, '2026-04-01')).toBe(bucket);
  });
});

describe('ageReceivables', () => {
  it('sums amountDue of open invoices per bucket and skips everything else', () => {
    const totals = ageReceivables(
      [
        { status: 'open', amountDue: 100, dueDate: '2026-04-10' },
        { status: 'open', amountDue: 200, dueDate: '2026-03-20' },
        { status: 'open', amountDue: 300, dueDate: '2025-01-01' },
        { status: 'open', amountDue: 50, dueDate: null },
        { status: 'open', amountDue: 0, dueDate: '2025-01-01' },
        { status: 'uncollectible', amountDue: 999, dueDate: '2025-01-01' },
        { status: 'paid', amountDue: 0, dueDate: '2025-01-01' },
        { status: 'draft', amountDue: 999, dueDate: '2025-01-01' },
      ],
      '2026-04-01',
    );
    expect(totals).toEqual({ ...emptyAging(), current: 150, days1to30: 200, days90plus: 300 });
  });
});
