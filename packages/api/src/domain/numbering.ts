import { type CalendarDate, type Numbering } from '@invoice/validators';

/** Invoices and credit notes are numbered in separate, independent series. */
export type DocumentSeries = 'invoice' | 'creditNote';

/** The prefix printed on a series' numbers. */
export function seriesPrefix(series: DocumentSeries, numbering: Numbering): string {
  return series === 'invoice' ? numbering.prefix : numbering.creditNotePrefix;
}

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
  const prefix = seriesPrefix(series, numbering);
  const year = numbering.includeYear ? `${yearOf(issueDate)}${numbering.separator}` : '';
  return `${prefix}${year}${String(sequence).padStart(numbering.padding, '0')}`;
}

export interface PrintedSequence {
  /** The printed year (`2026`), or null when the form has no year. */
  year: string | null;
  sequence: number;
}

/**
 * Reads `number` back as the numbering would print it: the year and sequence that
 * `formatDocumentNumber` turns into exactly this string with these settings, or null when no
 * sequence prints as `number` (another prefix, form or padding). A counter that stays at or above
 * every such sequence can never print `number` again.
 */
export function parseDocumentNumber(
  series: DocumentSeries,
  numbering: Numbering,
  number: string,
): PrintedSequence | null {
  const prefix = seriesPrefix(series, numbering);
  if (!number.startsWith(prefix)) return null;
  let rest = number.slice(prefix.length);
  let year: string | null = null;
  if (numbering.includeYear) {
    year = rest.slice(0, 4);
    if (!/^\d{4}$/.test(year) || !rest.startsWith(numbering.separator, 4)) return null;
    rest = rest.slice(4 + numbering.separator.length);
  }
  if (!/^\d{1,16}$/.test(rest)) return null;
  const sequence = Number(rest);
  if (!Number.isSafeInteger(sequence) || sequence < 1) return null;
  const issueDate = `${year ?? '2000'}-01-01`;
  return formatDocumentNumber({ series, numbering, sequence, issueDate }) === number
    ? { year, sequence }
    : null;
}
