import { z } from 'zod';
import { currencyCodeSchema } from './currency.js';
import { calendarDateSchema, calendarMonthSchema } from './dates.js';
import { orgIdSchema } from './ids.js';

/** Days past due: current (not yet due), 1-30, 31-60, 61-90, more than 90. */
export const AGING_BUCKETS = [
  'current',
  'days1to30',
  'days31to60',
  'days61to90',
  'days90plus',
] as const;
export const agingBucketSchema = z.enum(AGING_BUCKETS);
export type AgingBucket = z.infer<typeof agingBucketSchema>;

export const reportSummaryInput = z
  .strictObject({
    orgId: orgIdSchema,
    /** Issue-date range for invoiced, paid and revenue; the whole history when absent. */
    from: calendarDateSchema.optional(),
    to: calendarDateSchema.optional(),
  })
  .refine((v) => v.from === undefined || v.to === undefined || v.from <= v.to, {
    message: 'from must not be after to',
    path: ['to'],
  });

/** Sums of non-negative amounts can exceed a single invoice's bound; still safe integers. */
const sumSchema = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

export const agingSchema = z.strictObject({
  current: sumSchema,
  days1to30: sumSchema,
  days31to60: sumSchema,
  days61to90: sumSchema,
  days90plus: sumSchema,
});

export const currencySummarySchema = z.strictObject({
  currency: currencyCodeSchema,
  /** Total of issued, non-void invoices. */
  invoiced: sumSchema,
  /** Payments recorded (not voided) on those invoices. */
  paid: sumSchema,
  /** amountDue of open invoices (uncollectible ones are written off); equals the sum of aging. */
  outstanding: sumSchema,
  /** amountDue of overdue invoices. */
  overdue: sumSchema,
  /** amountDue of open invoices by days past due (today in the org timezone). */
  aging: agingSchema,
  /** Invoiced totals by month of issue date, oldest first. */
  revenueByMonth: z
    .array(z.strictObject({ month: calendarMonthSchema, invoiced: sumSchema }))
    .max(1200),
});

export const reportSummaryOutput = z.strictObject({
  /** Today's date in the org's timezone, the reference for overdue and aging. */
  asOf: calendarDateSchema,
  timezone: z.string().max(64),
  currencies: z.array(currencySummarySchema).max(200),
});

export type ReportSummaryInput = z.input<typeof reportSummaryInput>;
export type CurrencySummary = z.infer<typeof currencySummarySchema>;
export type ReportSummary = z.infer<typeof reportSummaryOutput>;
