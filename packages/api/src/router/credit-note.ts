import type { CreditNoteDoc } from '@invoice/db';
import {
  creditNoteByIdInput,
  creditNoteCreateInput,
  creditNoteListInput,
  creditNoteListOutput,
  creditNoteSchema,
} from '@invoice/validators';
import { ObjectId } from 'mongodb';
import { calendarDateInTimeZone } from '../domain/dates.js';
import { notFound } from '../domain/errors.js';
import { assertAcceptsMoney } from '../domain/lifecycle.js';
import { assertCreditFits } from '../domain/money.js';
import { toCreditNote } from '../mappers/credit-note.js';
import { recomputeBalance } from '../services/invoices/balance.js';
import { computeCreditNoteContent } from '../services/invoices/compute.js';
import { listByInvoice } from '../services/invoices/list-by-invoice.js';
import { loadInvoice } from '../services/invoices/load.js';
import { auditChange, runNumberedMutation } from '../services/org-mutation.js';
import { takeDocumentNumber } from '../services/invoices/take-number.js';
import { orgProcedure, router } from '../trpc.js';
import { checkedOutput } from '../output.js';

export const creditNoteRouter = router({
  /**
   * Corrects an issued invoice that still owes money (open or uncollectible; paid and void are
   * final) by at most its amountDue. The credit note takes the next number of its own series in
   * the same transaction that recomputes the invoice's amountCredited, amountDue and status.
   */
  create: orgProcedure('accountant')
    .input(creditNoteCreateInput)
    .output(checkedOutput(creditNoteSchema))
    .mutation(({ ctx, input }) =>
      runNumberedMutation(ctx, 'creditNote', 'creditNote.create', input, async (ctx, session) => {
        const invoice = await loadInvoice(ctx, input.invoiceId, session);
        assertAcceptsMoney(invoice.status, 'create a credit note');
        const content = computeCreditNoteContent(input);
        assertCreditFits(invoice.amountDue, content.total);
        const now = ctx.clock.now();
        const issueDate = calendarDateInTimeZone(now, ctx.org.timezone);
        const { sequence, number } = await takeDocumentNumber(
          ctx,
          'creditNote',
          issueDate,
          session,
        );
        const note: CreditNoteDoc = {
          _id: new ObjectId(),
          orgId: ctx.org._id,
          invoiceId: invoice._id,
          number,
          sequence,
          currency: invoice.currency,
          issueDate,
          reason: input.reason,
          ...content,
          createdBy: ctx.user.uid,
          createdAt: now,
          updatedAt: now,
        };
        await ctx.db.collections.creditNotes.insertOne(note, { session });
        const after = await recomputeBalance(ctx, invoice, session);
        await auditChange(
          ctx,
          session,
          'creditNote.create',
          { type: 'creditNote', id: note._id },
          null,
          {
            number: note.number,
            invoiceId: invoice._id.toHexString(),
            total: note.total,
            currency: note.currency,
            amountDue: after.amountDue,
          },
        );
        return toCreditNote(note);
      }),
    ),

  byId: orgProcedure('viewer')
    .input(creditNoteByIdInput)
    .output(checkedOutput(creditNoteSchema))
    .query(async ({ ctx, input }) => {
      const note = await ctx.db.collections.creditNotes.findOne({
        _id: new ObjectId(input.creditNoteId),
        orgId: ctx.org._id,
      });
      if (!note) throw notFound('Credit note');
      return toCreditNote(note);
    }),

  /** Credit notes of one invoice or of the whole org, newest first. */
  list: orgProcedure('viewer')
    .input(creditNoteListInput)
    .output(checkedOutput(creditNoteListOutput))
    .query(({ ctx, input }) =>
      listByInvoice(ctx, ctx.db.collections.creditNotes, input, toCreditNote),
    ),
});
