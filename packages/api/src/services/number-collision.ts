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
 * Runs `work`, a transaction that takes the next number of `series` with the org's settings as
 * it reads them. A number that is already printed means a counter fell behind the numbers
 * printed in its form. That happens when a `resetYearly` toggle commits while an issue's
 * transaction runs on a snapshot from before it: the issue draws from the old counter, and the
 * toggle had raised the new counter to the numbers printed so far, not to the one that issue
 * printed. Left alone, every later issue would take that same number again (the failed
 * transaction gives it back) and fail with CONFLICT. So the counters of the org's current
 * settings are raised past every printed number, exactly as the toggle does, and `work` runs
 * once more. The happy path costs nothing.
 */
export async function retryAfterNumberCollision<T>(
  ctx: OrgCallContext,
  series: DocumentSeries,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isNumberCollision(error)) throw error;
    const org = await ctx.db.collections.organizations.findOne({ _id: ctx.org._id });
    if (org === null) throw error;
    await withTransaction(ctx.db.client, (session) =>
      raiseCountersToPrinted({ ...ctx, org }, series, org.numbering, session),
    );
    return work();
  }
}
