import { reportSummaryInput, reportSummaryOutput } from '@invoice/validators';
import { reportSummary } from '../services/report.js';
import { orgProcedure, router } from '../trpc.js';
import { checkedOutput } from '../output.js';

export const reportRouter = router({
  /** Per currency: invoiced, paid, outstanding, overdue, aging and revenue by month. */
  summary: orgProcedure('viewer')
    .input(reportSummaryInput)
    .output(checkedOutput(reportSummaryOutput))
    .query(({ ctx, input }) =>
      reportSummary(ctx.db, {
        orgId: ctx.org._id,
        timezone: ctx.org.timezone,
        now: ctx.clock.now(),
        from: input.from,
        to: input.to,
      }),
    ),
});
