import type { InvoiceDoc } from '@invoice/db';
import type { ClientSession, ObjectId } from 'mongodb';
import {
  calendarDateInTimeZone,
  dueDateFromTerms,
  LAST_SUPPORTED_DATE,
} from '../../domain/dates.js';
import { preconditionFailed } from '../../domain/errors.js';
import { assertDraft, statusAfterBalanceChange, transition } from '../../domain/lifecycle.js';
import { auditStatusChange } from './balance.js';
import { assertBillable, findInvoiceWithCustomer } from './load.js';
import type { OrgCallContext } from '../../context.js';
import { customerSnapshot, sellerSnapshot } from './snapshots.js';
import { takeDocumentNumber } from './take-number.js';

/**
 * Issues a draft inside the caller's transaction: re-reads it with its customer, fixes its dates,
 * checks the customer may still be billed, takes the next number of the org's series, freezes the
 * customer and seller snapshots and opens it. Because the counter increment is part of the same
 * transaction, any failure after it (a write error, an abort) gives the number back: numbers
 * stay gapless.
 */
export async function issueInvoice(
  ctx: OrgCallContext,
  invoiceId: ObjectId,
  session: ClientSession,
): Promise<InvoiceDoc> {
  // The draft and its customer in one read, the transaction's first: its snapshot is what gets
  // printed. A customer archived or removed after that snapshot orders after this issue (the
  // archive reads no invoices), as if the invoice had been issued just before.
  const { invoice: draft, customer } = await findInvoiceWithCustomer(
    ctx.db,
    ctx.org._id,
    invoiceId,
    session,
  );
  assertDraft(draft.status, 'issue');
  // A zero-total invoice owes nothing from the start, so it is settled at issue.
  const status = statusAfterBalanceChange(transition(draft.status, 'issue'), draft.total);
  const now = ctx.clock.now();
  const issueDate = draft.issueDate ?? calendarDateInTimeZone(now, ctx.org.timezone);
  const dueDate = draft.dueDate ?? dueDateFromTerms(issueDate, ctx.org.paymentTermsDays);
  if (dueDate === null) {
    throw preconditionFailed(
      `Cannot issue: the due date from the payment terms (${issueDate} + ${ctx.org.paymentTermsDays} days) is after ${LAST_SUPPORTED_DATE}; set a due date on the draft`,
      { issueDate, paymentTermsDays: ctx.org.paymentTermsDays },
    );
  }
  if (dueDate < issueDate) {
    throw preconditionFailed(
      `Cannot issue: the due date ${dueDate} is before the issue date ${issueDate}`,
      { issueDate, dueDate },
    );
  }

  if (!customer) {
    throw preconditionFailed('Cannot issue: the invoice customer no longer exists', {
      customerId: draft.customerId.toHexString(),
    });
  }
  assertBillable(customer);

  // Any failure from here on (a write error, an abort) gives the number back with the rest.
  const { sequence, number } = await takeDocumentNumber(ctx, 'invoice', issueDate, session);
  const snapshot = customerSnapshot(customer);
  const issued: InvoiceDoc = {
    ...draft,
    status,
    number,
    sequence,
    issueDate,
    dueDate,
    customerName: customer.name,
    customerNameLower: customer.name.toLowerCase(),
    customerSnapshot: snapshot,
    sellerSnapshot: sellerSnapshot(ctx.org),
    amountPaid: 0,
    amountCredited: 0,
    amountDue: draft.total,
    issuedAt: now,
    paidAt: status === 'paid' ? now : null,
    updatedAt: now,
  };
  const result = await ctx.db.collections.invoices.updateOne(
    { _id: draft._id, orgId: ctx.org._id, status: 'draft' },
    {
      $set: {
        status,
        number,
        sequence,
        issueDate,
        dueDate,
        customerName: issued.customerName,
        customerNameLower: issued.customerNameLower,
        customerSnapshot: issued.customerSnapshot,
        sellerSnapshot: issued.sellerSnapshot,
        amountPaid: 0,
        amountCredited: 0,
        amountDue: issued.amountDue,
        issuedAt: now,
        paidAt: issued.paidAt,
        updatedAt: now,
      },
    },
    { session },
  );
  if (result.modifiedCount !== 1) throw preconditionFailed('Cannot issue: the draft changed');
  await auditStatusChange(ctx, session, draft, status, 'issue', {
    number,
    issueDate,
    dueDate,
    total: draft.total,
  });
  return issued;
}
