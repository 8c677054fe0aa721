import { nextSequence } from '@invoice/db';
import type { CalendarDate } from '@invoice/validators';
import type { ClientSession } from 'mongodb';
import {
  formatDocumentNumber,
  numberingSeriesKey,
  type DocumentSeries,
} from '../../domain/numbering.js';
import type { OrgCallContext } from '../../context.js';

/**
 * The next number of one of the org's series (per year when numbering restarts yearly),
 * formatted with the org's settings. Call it inside the transaction that stores the document:
 * if that transaction aborts, the increment aborts with it and the number is given back.
 */
export async function takeDocumentNumber(
  ctx: OrgCallContext,
  series: DocumentSeries,
  issueDate: CalendarDate,
  session: ClientSession,
): Promise<{ sequence: number; number: string }> {
  const numbering = ctx.org.numbering;
  const sequence = await nextSequence(
    ctx.db.collections,
    ctx.org._id,
    numberingSeriesKey(series, numbering, issueDate),
    { session },
  );
  return { sequence, number: formatDocumentNumber({ series, numbering, sequence, issueDate }) };
}
