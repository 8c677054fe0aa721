import { counterId, type OrganizationDoc } from '@invoice/db';
import type { Numbering } from '@invoice/validators';
import type { ClientSession } from 'mongodb';
import { preconditionFailed } from '../domain/errors.js';
import {
  numberingSeriesKey,
  parseDocumentNumber,
  seriesPrefix,
  type DocumentSeries,
} from '../domain/numbering.js';
import type { OrgCallContext } from '../context.js';
import { escapeRegExp } from './regex.js';

const SERIES: readonly DocumentSeries[] = ['invoice', 'creditNote'];

/**
 * Toggling `resetYearly` moves a series to other counters (`invoice` ⇄ `invoice:<year>`) while
 * the printed form can stay the same (`INV-2026-00042`), so a fresh counter would print numbers
 * already used and every later issue would hit the unique index. The rule, applied in the
 * transaction that stores the new settings: each counter the new settings draw from is raised
 * (`$max`, counters never go down) to the highest sequence already printed in exactly the form
 * that counter prints, so the next number continues right after it, gapless and unused:
 * - yearly counters: per year, the highest sequence printed in that year's form (the current
 *   year in the org's timezone, and any other year a backdated draft could still be issued in);
 * - the single counter: the highest sequence printed in its form over all years, because it
 *   prints into every year (issue dates may be backdated).
 * Numbers in another form (other prefix, padding or no year) can never be printed again and do
 * not count. Refused (PRECONDITION_FAILED) only if the series has no safe integer left.
 */
export async function continueSeriesAfterResetChange(
  ctx: OrgCallContext,
  before: OrganizationDoc,
  after: OrganizationDoc,
  session: ClientSession,
): Promise<void> {
  if (before.numbering.resetYearly === after.numbering.resetYearly) return;
  for (const series of SERIES) {
    await raiseCountersToPrinted(ctx, series, after.numbering, session);
  }
}

/**
 * Raises (`$max`) each counter `numbering` draws from for `series` to the highest sequence
 * already printed in exactly the form that counter prints, so its next number is unused. The
 * toggle above applies it to both series; an issue whose number was already printed applies it
 * to its own series (`retryAfterNumberCollision`).
 */
export async function raiseCountersToPrinted(
  ctx: OrgCallContext,
  series: DocumentSeries,
  numbering: Numbering,
  session: ClientSession,
): Promise<void> {
  const highest = await highestPrintedByCounter(ctx, series, numbering, session);
  for (const [key, sequence] of highest) {
    if (sequence >= Number.MAX_SAFE_INTEGER) {
      throw preconditionFailed(`The ${series} series has no numbers left after ${sequence}`, {
        series,
        key,
      });
    }
    await ctx.db.collections.counters.updateOne(
      { _id: counterId(ctx.org._id, key) },
      { $max: { value: sequence }, $setOnInsert: { orgId: ctx.org._id, series: key } },
      { upsert: true, session },
    );
  }
}

/** Highest sequence already printed in the form of each counter `numbering` draws from. */
async function highestPrintedByCounter(
  ctx: OrgCallContext,
  series: DocumentSeries,
  numbering: Numbering,
  session: ClientSession,
): Promise<Map<string, number>> {
  const prefix = seriesPrefix(series, numbering);
  const year = numbering.includeYear ? `\\d{4}${escapeRegExp(numbering.separator)}` : '';
  // Anchored on the prefix so an (orgId, number) index bounds the scan; parsed exactly below.
  const filter = {
    orgId: ctx.org._id,
    number: { $regex: `^${escapeRegExp(prefix)}${year}\\d+$` },
  };
  const options = { projection: { _id: 0, number: 1 }, session } as const;
  const cursor =
    series === 'invoice'
      ? ctx.db.collections.invoices.find(filter, options)
      : ctx.db.collections.creditNotes.find(filter, options);
  const highest = new Map<string, number>();
  for await (const { number } of cursor) {
    if (typeof number !== 'string') continue;
    const printed = parseDocumentNumber(series, numbering, number);
    if (printed === null) continue;
    const key = numberingSeriesKey(series, numbering, `${printed.year ?? '2000'}-01-01`);
    highest.set(key, Math.max(highest.get(key) ?? 0, printed.sequence));
  }
  return highest;
}
