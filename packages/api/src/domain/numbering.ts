import { type CalendarDate, type Numbering } from '@invoice/validators';

/** Invoices and credit notes are numbered in separate, independent series. */
export type DocumentSeries = 'invoice' | 'creditNote';

function yearOf(issueDate: CalendarDate): string {
  const match = /^(\d{4})-\d{2}-\d{2}$/.exec(issueDate);
  if (!match?.[1]) throw new RangeError(`"${issueDate}" is not a calendar date YYYY-MM-DD`);
  return match[1];
}

/**
 * Key of the counter a document draws its sequence from: one per series, and one per series
 * and year when numbering restarts every year. The year is the issue date's, which is already a
 * calendar date in the org's timezone.
 */
export function numberingSeriesKey(
  series: DocumentSeries,
  numbering: Numbering,
  issueDate: CalendarDate,
): string {
  return numbering.resetYearly ? `${series}:${yearOf(issueDate)}` : series;
}

export interface FormatNumberInput {
  series: DocumentSeries;
  numbering: Numbering;
  /** 1-based position in the series, from the counter incremented in the issue transaction. */
  sequence: number;
  issueDate: CalendarDate;
}

/**
 * `INV-2026-00042`: prefix, then the issue year and the separator when `includeYear`, then the
 * sequence zero-padded to `padding` digits (longer sequences print in full, never truncated).
 */
export function formatDocumentNumber({
  series,
  numbering,
  sequence,
  issueDate,
}: FormatNumberInput): string {
  if (!Number.isSafeInteger(sequence) || sequence < 1) {
    throw new RangeError(`Sequence must be a positive integer, got ${sequence}`);
  }
  const prefix = series === 'invoice' ? numbering.prefix : numbering.creditNotePrefix;
  const year = numbering.includeYear ? `${yearOf(issueDate)}${numbering.separator}` : '';
  return `${prefix}${year}${String(sequence).padStart(numbering.padding, '0')}`;
}
