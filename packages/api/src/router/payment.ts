import type { PaymentDoc } from '@invoice/db';
import {
  paymentListInput,
  paymentListOutput,
  paymentRecordInput,
  paymentSchema,
  paymentVoidInput,
} from '@invoice/validators';
import { ObjectId } from 'mongodb';
import { notFound, preconditionFailed } from '../domain/errors.js';
import { assertAcceptsMoney, assertPaymentVoidable } from '../domain/lifecycle.js';
import { assertPaymentFits } from '../domain/money.js';
import { toPayment } from '../mappers/payment.js';
import { recomputeBalance } from '../services/invoices/balance.js';
import { listByInvoice } from '../services/invoices/list-by-invoice.js';
import { findInvoice, loadInvoice } from '../services/invoices/load.js';
import { auditChange, runOrgMutation } from '../services/org-mutation.js';
import { orgProcedure, router } from '../trpc.js';
import { checkedOutput } from '../output.js';

export const paymentRouter = router({
  /**
   * Records a payment of an open or uncollectible invoice, in its currency, at most its
   * amountDue; amountPaid is then recomputed from the payments themselves.
   */
  record: orgProcedure('accountant')
    .input(paymentRecordInput)
    .output(checkedOutput(paymentSchema))
    .mutation(({ ctx, input }) =>
      runOrgMutation(ctx, 'payment.record', input, async (session) => {
        const invoice = await loadInvoice(ctx, input.invoiceId, session);
        assertAcceptsMoney(invoice.status, 'record a payment');
        assertPaymentFits(invoice.amountDue, input.amount);
        const now = ctx.clock.now();
        const payment: PaymentDoc = {
          _id: new ObjectId(),
          orgId: ctx.org._id,
          invoiceId: invoice._id,
          amount: input.amount,
          currency: invoice.currency,
          date: input.date,
          method: input.method,
          reference: input.reference ?? null,
          status: 'recorded',
          voidedAt: null,
          voidReason: null,
          createdBy: ctx.user.uid,
          createdAt: now,
          updatedAt: now,
        };
        await ctx.db.collections.payments.insertOne(payment, { session });
        const after = await recomputeBalance(ctx, invoice, session);
        await auditChange(
          ctx,
          session,
          'payment.record',
          { type: 'payment', id: payment._id },
          null,
          {
            invoiceId: invoice._id.toHexString(),
            amount: payment.amount,
            currency: payment.currency,
            method: payment.method,
            amountDue: after.amountDue,
          },
        );
        return toPayment(payment);
      }),
    ),

  /** Voids a recorded payment; a paid invoice that owes money again goes back to open. */
  void: orgProcedure('accountant')
    .meta({ sensitive: true })
    .input(paymentVoidInput)
    .output(checkedOutput(paymentSchema))
    .mutation(({ ctx, input }) =>
      runOrgMutation(ctx, 'payment.void', input, async (session) => {
        const payment = await ctx.db.collections.payments.findOne(
          { _id: new ObjectId(input.paymentId), orgId: ctx.org._id },
          { session },
        );
        if (!payment) throw notFound('Payment');
        if (payment.status !== 'recorded') {
          throw preconditionFailed('This payment is already voided', { status: payment.status });
        }
        const invoice = await findInvoice(ctx.db, ctx.org._id, payment.invoiceId, session);
        assertPaymentVoidable(invoice.status);
        const now = ctx.clock.now();
        const voided: PaymentDoc = {
          ...payment,
          status: 'voided',
          voidedAt: now,
          voidReason: input.reason ?? null,
          updatedAt: now,
        };
        await ctx.db.collections.payments.updateOne(
          { _id: payment._id, orgId: ctx.org._id, status: 'recorded' },
          {
            $set: {
              status: 'voided',
              voidedAt: now,
              voidReason: voided.voidReason,
              updatedAt: now,
            },
          },
          { session },
        );
        const after = await recomputeBalance(ctx, invoice, session);
        await auditChange(
          ctx,
          session,
          'payment.void',
          { type: 'payment', id: payment._id },
          { status: payment.status, amount: payment.amount },
          { status: voided.status, reason: voided.voidReason, amountDue: after.amountDue },
        );
        return toPayment(voided);
      }),
    ),

  /** Payments of one invoice or of the whole org, newest first. */
  list: orgProcedure('viewer')
    .input(paymentListInput)
    .output(checkedOutput(paymentListOutput))
    .query(({ ctx, input }) => listByInvoice(ctx, ctx.db.collections.payments, input, toPayment)),
});
