import { withTransaction } from '@invoice/db';
import type { DocumentSeries } from '../domain/numbering.js';
import type { OrgCallContext } from '../context.js';
import { isDuplicateKey } from './duplicate-key.js';
import { raiseCountersToPrinted } from './numbering-change.js';

/** The unique `(orgId, number)` index refused a number: it is already printed. */
function isNumberCollision(error: unknown): boolean {
  return (
    isDuplicateKey(error) &&
    typeof error.keyPattern === 'object' &&
    error.keyPattern !== null &&
    'number' in error.keyPattern
  );
}

/**
 * Runs `work`, which takes the next number of `series`. A number that is already printed means
 * a counter fell behind the numbers printed in its form. That happens when an issue read the
 * org's numbering settings before a `resetYearly` toggle committed (its request had loaded the
 * org, then waited its turn) and drew from the old counter: the toggle had raised the new
 * counter to the numbers printed so far, not to the one that issue printed after it. Left
 * alone, every later issue would take that same number again (the failed transaction gives it
 * back) and fail with CONFLICT. So the counters of the org's current settings are raised past
 * every printed number, exactly as the toggle does, and `work` runs once more with those
 * settings. The happy path costs nothing: no read is added to the issue transaction.
 */
export async function retryAfterNumberCollision<T>(
  ctx: OrgCallContext,
  series: DocumentSeries,
  work: (ctx: OrgCallContext) => Promise<T>,
): Promise<T> {
  try {
    return await work(ctx);
  } catch (error) {
    if (!isNumberCollision(error)) throw error;
    const org = await ctx.db.collections.organizations.findOne({ _id: ctx.org._id });
    if (org === null) throw error;
    const current = { ...ctx, org };
    await withTransaction(ctx.db.client, (session) =>
      raiseCountersToPrinted(current, series, org.numbering, session),
    );
    return work(current);
  }
}
