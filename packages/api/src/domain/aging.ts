import { AGING_BUCKETS, type AgingBucket, type CalendarDate } from '@invoice/validators';
import { daysBetween, isOverdueOn, type OverdueFacts } from './dates.js';

export { AGING_BUCKETS, type AgingBucket };

/** Bucket by days past due: 0 or less is current, then 1-30, 31-60, 61-90, more than 90. */
export function agingBucket(dueDate: CalendarDate, today: CalendarDate): AgingBucket {
  const daysPastDue = daysBetween(dueDate, today);
  if (daysPastDue <= 0) return 'current';
  if (daysPastDue <= 30) return 'days1to30';
  if (daysPastDue <= 60) return 'days31to60';
  if (daysPastDue <= 90) return 'days61to90';
  return 'days90plus';
}

export type AgingTotals = Record<AgingBucket, number>;

export function emptyAging(): AgingTotals {
  return { current: 0, days1to30: 0, days31to60: 0, days61to90: 0, days90plus: 0 };
}

/**
 * Aging of the receivables: amountDue of open invoices by bucket. Invoices without a due date
 * count as current; other statuses are not receivables (uncollectible ones are written off).
 */
export function ageReceivables(invoices: Iterable<OverdueFacts>, today: CalendarDate): AgingTotals {
  const totals = emptyAging();
  for (const invoice of invoices) {
    if (invoice.status !== 'open' || invoice.amountDue <= 0) continue;
    const bucket =
      invoice.dueDate !== null && isOverdueOn(invoice, today)
        ? agingBucket(invoice.dueDate, today)
        : 'current';
    totals[bucket] += invoice.amountDue;
  }
  return totals;
}
