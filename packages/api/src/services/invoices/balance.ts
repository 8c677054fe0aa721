import type { InvoiceDoc } from '@invoice/db';
import type { InvoiceStatus } from '@invoice/validators';
import type { ClientSession } from 'mongodb';
import { statusAfterBalanceChange } from '../../domain/lifecycle.js';
import { computeAmountDue, sumRecordedPayments } from '../../domain/money.js';
import type { OrgCallContext } from '../../context.js';
import { auditChange } from '../org-mutation.js';

/**
 * Recomputes an invoice's balance from the payments and credit notes themselves (never by
 * adding to the stored figures), inside the caller's transaction, and moves the status
 * accordingly: amountDue 0 settles an open or uncollectible invoice, owing again reopens a paid
 * one. Writing the invoice document also makes concurrent payments of one invoice conflict, so
 * the driver retries one of them against the other's committed result.
 */
export async function recomputeBalance(
  ctx: OrgCallContext,
  invoice: InvoiceDoc,
  session: ClientSession,
): Promise<InvoiceDoc> {
  const payments = await ctx.db.collections.payments
    .find(
      { orgId: ctx.org._id, invoiceId: invoice._id },
      { session, projection: { amount: 1, status: 1 } },
    )
    .toArray();
  const creditNotes = await ctx.db.collections.creditNotes
    .find({ orgId: ctx.org._id, invoiceId: invoice._id }, { session, projection: { total: 1 } })
    .toArray();
  const amountPaid = sumRecordedPayments(payments);
  const amountCredited = sumRecordedPayments(
    creditNotes.map((note) => ({ amount: note.total, status: 'recorded' as const })),
  );
  const amountDue = computeAmountDue({ total: invoice.total, amountPaid, amountCredited });
  const status = statusAfterBalanceChange(invoice.status, amountDue);
  const now = ctx.clock.now();
  const updated: InvoiceDoc = {
    ...invoice,
    amountPaid,
    amountCredited,
    amountDue,
    status,
    paidAt: status === 'paid' ? (invoice.status === 'paid' ? invoice.paidAt : now) : null,
    updatedAt: now,
  };
  await ctx.db.collections.invoices.updateOne(
    { _id: invoice._id, orgId: ctx.org._id },
    {
      $set: {
        amountPaid,
        amountCredited,
        amountDue,
        status,
        paidAt: updated.paidAt,
        updatedAt: now,
      },
    },
    { session },
  );
  if (status !== invoice.status) {
    await auditStatusChange(ctx, session, invoice, status, status === 'paid' ? 'settle' : 'reopen');
  }
  return updated;
}

/** Audit event of a status change of an invoice (issue, void, settle, ...). */
export async function auditStatusChange(
  ctx: OrgCallContext,
  session: ClientSession,
  invoice: InvoiceDoc,
  to: InvoiceStatus,
  event: string,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await auditChange(
    ctx,
    session,
    `invoice.${event}`,
    { type: 'invoice', id: invoice._id },
    { status: invoice.status, number: invoice.number },
    { status: to, ...extra },
  );
}
