import type { Database, InvoiceDoc } from '@invoice/db';
import {
  type AgingBucket,
  type CalendarDate,
  type CurrencySummary,
  type ReportSummary,
} from '@invoice/validators';
import type { Document, Filter, ObjectId } from 'mongodb';
import { addDays, calendarDateInTimeZone } from '../domain/dates.js';
import { emptyAging } from '../domain/aging.js';
import { preconditionFailed } from '../domain/errors.js';

/** Issued and not void: what counts as invoiced. Drafts have no number, void never happened. */
const ISSUED_STATUSES = ['open', 'paid', 'uncollectible'] as const;

export interface SummaryOptions {
  orgId: ObjectId;
  timezone: string;
  now: Date;
  from?: CalendarDate | undefined;
  to?: CalendarDate | undefined;
}

interface InvoicedRow {
  _id: { currency: string; month: string };
  invoiced: number;
  paid: number;
}

interface AgingRow {
  _id: { currency: string; bucket: AgingBucket };
  amount: number;
}

/**
 * Days past due become string bounds on `dueDate` (calendar dates compare as strings), so the
 * pipeline buckets without date arithmetic on the server and agrees with `agingBucket`:
 * dueDate ≥ today is current, ≥ today−30 is 1–30 days, and so on.
 */
function bucketExpression(today: CalendarDate): Document {
  const bound = (days: number) => addDays(today, -days);
  return {
    $switch: {
      branches: [
        { case: { $eq: [{ $ifNull: ['$dueDate', null] }, null] }, then: 'current' },
        { case: { $gte: ['$dueDate', today] }, then: 'current' },
        { case: { $gte: ['$dueDate', bound(30)] }, then: 'days1to30' },
        { case: { $gte: ['$dueDate', bound(60)] }, then: 'days31to60' },
        { case: { $gte: ['$dueDate', bound(90)] }, then: 'days61to90' },
      ],
      default: 'days90plus',
    },
  };
}

function emptySummary(currency: string): CurrencySummary {
  return {
    currency: currency as CurrencySummary['currency'],
    invoiced: 0,
    paid: 0,
    outstanding: 0,
    overdue: 0,
    aging: emptyAging(),
    revenueByMonth: [],
  };
}

/**
 * The org's receivables and revenue, per currency (amounts in different currencies are never
 * added). Two aggregation pipelines: issued invoices in the issue-date range grouped by
 * currency and month (invoiced, paid, revenue), and open invoices still owing grouped by
 * currency and aging bucket (outstanding, overdue, aging), which ignore the range because
 * a receivable is owed today whenever it was issued.
 */
export async function reportSummary(db: Database, options: SummaryOptions): Promise<ReportSummary> {
  const today = calendarDateInTimeZone(options.now, options.timezone);
  const issueDate: Record<string, string> = {};
  if (options.from !== undefined) issueDate.$gte = options.from;
  if (options.to !== undefined) issueDate.$lte = options.to;
  const issuedFilter: Filter<InvoiceDoc> = {
    orgId: options.orgId,
    status: { $in: [...ISSUED_STATUSES] },
    ...(options.from !== undefined || options.to !== undefined ? { issueDate } : {}),
  };

  const [invoicedRows, agingRows] = await Promise.all([
    db.collections.invoices
      .aggregate<InvoicedRow>([
        { $match: issuedFilter },
        {
          $group: {
            // issueDate is already the calendar date in the org's timezone, set at issue.
            _id: { currency: '$currency', month: { $substrBytes: ['$issueDate', 0, 7] } },
            invoiced: { $sum: '$total' },
            paid: { $sum: '$amountPaid' },
          },
        },
        { $sort: { '_id.currency': 1, '_id.month': 1 } },
      ])
      .toArray(),
    db.collections.invoices
      .aggregate<AgingRow>([
        { $match: { orgId: options.orgId, status: 'open', amountDue: { $gt: 0 } } },
        { $project: { _id: 0, currency: 1, amountDue: 1, bucket: bucketExpression(today) } },
        {
          $group: {
            _id: { currency: '$currency', bucket: '$bucket' },
            amount: { $sum: '$amountDue' },
          },
        },
      ])
      .toArray(),
  ]);

  const byCurrency = new Map<string, CurrencySummary>();
  const summaryOf = (currency: string): CurrencySummary => {
    let summary = byCurrency.get(currency);
    if (!summary) {
      summary = emptySummary(currency);
      byCurrency.set(currency, summary);
    }
    return summary;
  };

  for (const row of invoicedRows) {
    const summary = summaryOf(row._id.currency);
    summary.invoiced += row.invoiced;
    summary.paid += row.paid;
    summary.revenueByMonth.push({ month: row._id.month, invoiced: row.invoiced });
  }
  for (const row of agingRows) {
    const summary = summaryOf(row._id.currency);
    summary.aging[row._id.bucket] += row.amount;
    summary.outstanding += row.amount;
    if (row._id.bucket !== 'current') summary.overdue += row.amount;
  }

  const currencies = [...byCurrency.values()].sort((a, b) =>
    a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0,
  );
  for (const summary of currencies) {
    summary.revenueByMonth.sort((a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : 0));
    assertExactSums(summary);
  }
  return { asOf: today, timezone: options.timezone, currencies };
}

/**
 * Every amount is a whole number of minor units, exact while it stays a safe integer (2^53 − 1;
 * all amounts are non-negative, so no partial sum exceeds the final one). A sum past it (over
 * 900 invoices at the largest amount, 10^13) would be rounded: refused with the reason, rather
 * than a rounded figure or the output check's bare 500.
 */
function assertExactSums(summary: CurrencySummary): void {
  const sums = [
    summary.invoiced,
    summary.paid,
    summary.outstanding,
    summary.overdue,
    ...Object.values(summary.aging),
    ...summary.revenueByMonth.map((month) => month.invoiced),
  ];
  if (sums.every((sum) => Number.isSafeInteger(sum))) return;
  throw preconditionFailed(
    `The ${summary.currency} totals exceed ${Number.MAX_SAFE_INTEGER} minor units, the largest this report adds exactly; narrow the issue-date range with from/to (receivables are always summed in full)`,
    { currency: summary.currency },
  );
}
