import { findAll, type CustomerDoc, type InvoiceDoc } from '@invoice/db';
import {
  invoiceByIdInput,
  invoiceCreateInput,
  invoiceDeleteDraftInput,
  invoiceIssueInput,
  invoiceListInput,
  invoiceListOutput,
  invoiceMarkUncollectibleInput,
  invoiceSchema,
  invoiceUpdateInput,
  invoiceVoidInput,
  type Invoice,
} from '@invoice/validators';
import { ObjectId, type ClientSession, type Document, type Filter } from 'mongodb';
import { z } from 'zod';
import { calendarDateInTimeZone } from '../domain/dates.js';
import { badRequest, notFound, preconditionFailed } from '../domain/errors.js';
import { assertDraft, transition } from '../domain/lifecycle.js';
import { toInvoice } from '../mappers/invoice.js';
import { escapeRegExp } from '../services/regex.js';
import {
  deleteInvoiceAttachments,
  removeAttachmentFiles,
  sweepAttachmentsOfDeletedDraft,
} from '../services/attachments.js';
import { auditStatusChange } from '../services/invoices/balance.js';
import { computeInvoiceContent } from '../services/invoices/compute.js';
import { afterCursorFilter, decodeCursor, toPage, type SortValue } from '../services/cursor.js';
import { issueInvoice } from '../services/invoices/issue.js';
import { findBillableCustomer, loadInvoice } from '../services/invoices/load.js';
import type { OrgCallContext } from '../context.js';
import { auditChange, runNumberedMutation, runOrgMutation } from '../services/org-mutation.js';
import { orgProcedure, orgSubjectProcedure, router } from '../trpc.js';
import { checkedOutput } from '../output.js';

function today(ctx: OrgCallContext): string {
  return calendarDateInTimeZone(ctx.clock.now(), ctx.org.timezone);
}

/** Drafts show their customer live; the lookup is skipped for issued invoices (snapshot). */
async function liveCustomers(
  ctx: OrgCallContext,
  docs: readonly InvoiceDoc[],
  session?: ClientSession,
): Promise<Map<string, CustomerDoc>> {
  const ids = [
    ...new Set(
      docs.filter((d) => d.customerSnapshot === null).map((d) => d.customerId.toHexString()),
    ),
  ].map((hex) => new ObjectId(hex));
  if (ids.length === 0) return new Map();
  const customers = await ctx.db.collections.customers
    .find({ orgId: ctx.org._id, _id: { $in: ids } }, session ? { session } : {})
    .toArray();
  return new Map(customers.map((c) => [c._id.toHexString(), c]));
}

async function present(
  ctx: OrgCallContext,
  doc: InvoiceDoc,
  session?: ClientSession,
): Promise<Invoice> {
  const customers = await liveCustomers(ctx, [doc], session);
  return toInvoice(doc, {
    today: today(ctx),
    liveCustomer: customers.get(doc.customerId.toHexString()) ?? null,
  });
}

/** The small summary of a draft kept in the audit log (never the whole document). */
function draftSummary(doc: InvoiceDoc): Record<string, unknown> {
  return {
    status: doc.status,
    customerId: doc.customerId.toHexString(),
    currency: doc.currency,
    lines: doc.lines.length,
    total: doc.total,
    issueDate: doc.issueDate,
    dueDate: doc.dueDate,
  };
}

const SORT_VALUE: Record<z.output<typeof invoiceListInput>['sort'], (d: InvoiceDoc) => SortValue> =
  {
    createdAt: (d) => d.createdAt,
    issueDate: (d) => d.issueDate,
    dueDate: (d) => d.dueDate,
    total: (d) => d.total,
  };

/** Drafts have no issue or due date yet; creation time and total always exist. */
const NULLABLE_SORT: Record<z.output<typeof invoiceListInput>['sort'], boolean> = {
  createdAt: false,
  issueDate: true,
  dueDate: true,
  total: false,
};

export const invoiceRouter = router({
  create: orgProcedure('accountant')
    .input(invoiceCreateInput)
    .output(checkedOutput(invoiceSchema))
    .mutation(({ ctx, input }) =>
      runOrgMutation(ctx, 'invoice.create', input, async (session) => {
        const now = ctx.clock.now();
        const customer = await findBillableCustomer(
          ctx.db,
          ctx.org._id,
          new ObjectId(input.customerId),
          session,
        );
        const content = computeInvoiceContent(input.lines, input.discount, ctx.org.defaultTaxRates);
        const doc: InvoiceDoc = {
          _id: new ObjectId(),
          orgId: ctx.org._id,
          customerId: customer._id,
          customerName: customer.name,
          customerNameLower: customer.name.toLowerCase(),
          status: 'draft',
          number: null,
          sequence: null,
          currency: input.currency ?? customer.currency ?? ctx.org.currency,
          issueDate: input.issueDate ?? null,
          dueDate: input.dueDate ?? null,
          ...content,
          amountPaid: 0,
          amountCredited: 0,
          amountDue: content.total,
          notes: input.notes ?? null,
          metadata: input.metadata ?? {},
          customerSnapshot: null,
          sellerSnapshot: null,
          issuedAt: null,
          voidedAt: null,
          voidReason: null,
          paidAt: null,
          createdBy: ctx.user.uid,
          createdAt: now,
          updatedAt: now,
        };
        await ctx.db.collections.invoices.insertOne(doc, { session });
        await auditChange(
          ctx,
          session,
          'invoice.create',
          { type: 'invoice', id: doc._id },
          null,
          draftSummary(doc),
        );
        return toInvoice(doc, { today: today(ctx), liveCustomer: customer });
      }),
    ),

  /** Drafts only. Lines, discount and tax defaults are recomputed whenever lines or discount change. */
  update: orgProcedure('accountant')
    .input(invoiceUpdateInput)
    .output(checkedOutput(invoiceSchema))
    .mutation(({ ctx, input }) =>
      runOrgMutation(ctx, 'invoice.update', input, async (session) => {
        const now = ctx.clock.now();
        const current = await loadInvoice(ctx, input.invoiceId, session);
        assertDraft(current.status, 'update');
        const next: InvoiceDoc = { ...current, updatedAt: now };
        if (input.customerId !== undefined) {
          const customer = await findBillableCustomer(
            ctx.db,
            ctx.org._id,
            new ObjectId(input.customerId),
            session,
          );
          next.customerId = customer._id;
          next.customerName = customer.name;
          next.customerNameLower = customer.name.toLowerCase();
        }
        if (input.currency !== undefined) next.currency = input.currency;
        if (input.issueDate !== undefined) next.issueDate = input.issueDate;
        if (input.dueDate !== undefined) next.dueDate = input.dueDate;
        if (next.issueDate !== null && next.dueDate !== null && next.dueDate < next.issueDate) {
          throw badRequest(
            `dueDate ${next.dueDate} must not be before issueDate ${next.issueDate}`,
            {
              issueDate: next.issueDate,
              dueDate: next.dueDate,
            },
          );
        }
        if (input.notes !== undefined) next.notes = input.notes;
        if (input.metadata !== undefined) next.metadata = input.metadata ?? {};
        if (input.lines !== undefined || input.discount !== undefined) {
          const lines = input.lines ?? current.lines;
          const discount = input.discount === undefined ? current.discount : input.discount;
          // Stored lines carry resolved tax rates, so re-using them keeps their rates as they are.
          const content = computeInvoiceContent(lines, discount, ctx.org.defaultTaxRates);
          Object.assign(next, content, { amountDue: content.total });
        }
        const { _id, orgId: _orgId, ...set } = next;
        const result = await ctx.db.collections.invoices.updateOne(
          { _id, orgId: ctx.org._id, status: 'draft' },
          { $set: set },
          { session },
        );
        if (result.matchedCount !== 1) {
          throw preconditionFailed('Cannot update: the invoice is no longer a draft');
        }
        await auditChange(
          ctx,
          session,
          'invoice.update',
          { type: 'invoice', id: _id },
          draftSummary(current),
          draftSummary(next),
        );
        return present(ctx, next, session);
      }),
    ),

  deleteDraft: orgProcedure('accountant')
    .input(invoiceDeleteDraftInput)
    .output(checkedOutput(z.strictObject({ deleted: z.literal(true) })))
    .mutation(async ({ ctx, input }) => {
      // The draft's attachments go with it (audited in the same transaction), their files after
      // the commit, as attachment.delete does: left behind they stayed downloadable by id with
      // no invoice to list them under.
      let storageKeys: string[] = [];
      const result = await runOrgMutation(ctx, 'invoice.deleteDraft', input, async (session) => {
        storageKeys = [];
        const current = await loadInvoice(ctx, input.invoiceId, session);
        assertDraft(current.status, 'delete');
        await ctx.db.collections.invoices.deleteOne(
          { _id: current._id, orgId: ctx.org._id, status: 'draft' },
          { session },
        );
        storageKeys = await deleteInvoiceAttachments(ctx, current._id, session);
        await auditChange(
          ctx,
          session,
          'invoice.deleteDraft',
          { type: 'invoice', id: current._id },
          draftSummary(current),
          null,
        );
        return { deleted: true as const };
      });
      await removeAttachmentFiles(ctx, storageKeys);
      await sweepAttachmentsOfDeletedDraft(ctx, new ObjectId(input.invoiceId));
      return result;
    }),

  issue: orgProcedure('accountant')
    .input(invoiceIssueInput)
    .output(checkedOutput(invoiceSchema))
    .mutation(({ ctx, input }) =>
      runNumberedMutation(ctx, 'invoice', 'invoice.issue', input, async (ctx, session) => {
        const issued = await issueInvoice(ctx, new ObjectId(input.invoiceId), session);
        return toInvoice(issued, { today: today(ctx), liveCustomer: null });
      }),
    ),

  void: orgProcedure('accountant')
    .meta({ sensitive: true })
    .input(invoiceVoidInput)
    .output(checkedOutput(invoiceSchema))
    .mutation(({ ctx, input }) =>
      runOrgMutation(ctx, 'invoice.void', input, async (session) => {
        const now = ctx.clock.now();
        const current = await loadInvoice(ctx, input.invoiceId, session);
        const status = transition(current.status, 'void');
        // Money received stays on the books: a void invoice's payments could no longer be
        // voided, and reports leave void invoices out.
        if (current.amountPaid > 0) {
          throw preconditionFailed(
            'Cannot void: payments are recorded on this invoice; void them first',
            { amountPaid: current.amountPaid, currency: current.currency },
          );
        }
        const voided: InvoiceDoc = {
          ...current,
          status,
          voidedAt: now,
          voidReason: input.reason ?? null,
          updatedAt: now,
        };
        await ctx.db.collections.invoices.updateOne(
          { _id: current._id, orgId: ctx.org._id, status: current.status },
          { $set: { status, voidedAt: now, voidReason: voided.voidReason, updatedAt: now } },
          { session },
        );
        await auditStatusChange(ctx, session, current, status, 'void', {
          reason: voided.voidReason,
        });
        return toInvoice(voided, { today: today(ctx), liveCustomer: null });
      }),
    ),

  markUncollectible: orgProcedure('accountant')
    .input(invoiceMarkUncollectibleInput)
    .output(checkedOutput(invoiceSchema))
    .mutation(({ ctx, input }) =>
      runOrgMutation(ctx, 'invoice.markUncollectible', input, async (session) => {
        const now = ctx.clock.now();
        const current = await loadInvoice(ctx, input.invoiceId, session);
        const status = transition(current.status, 'markUncollectible');
        await ctx.db.collections.invoices.updateOne(
          { _id: current._id, orgId: ctx.org._id, status: current.status },
          { $set: { status, updatedAt: now } },
          { session },
        );
        await auditStatusChange(ctx, session, current, status, 'markUncollectible');
        return toInvoice(
          { ...current, status, updatedAt: now },
          { today: today(ctx), liveCustomer: null },
        );
      }),
    ),

  byId: orgSubjectProcedure('viewer', invoiceByIdInput, (input, db, orgId) => ({
    collection: db.collections.invoices,
    filter: { _id: new ObjectId(input.invoiceId), orgId },
  }))
    .input(invoiceByIdInput)
    .output(checkedOutput(invoiceSchema))
    .query(async ({ ctx }) => {
      if (!ctx.subject) throw notFound('Invoice');
      return present(ctx, ctx.subject);
    }),

  /**
   * Filters combine with AND; `search` matches a number prefix or a customer-name prefix
   * (case-insensitive, the term escaped and anchored so it is never a pattern). Order: the sort
   * field, then _id in the same direction, which makes pages stable.
   */
  list: orgProcedure('viewer')
    .input(invoiceListInput)
    .output(checkedOutput(invoiceListOutput))
    .query(async ({ ctx, input }) => {
      const and: Filter<Document>[] = [{ orgId: ctx.org._id }];
      if (input.status !== undefined) and.push({ status: { $in: input.status } });
      if (input.customerId !== undefined) {
        and.push({ customerId: new ObjectId(input.customerId) });
      }
      const overdueFilter = { status: 'open', amountDue: { $gt: 0 }, dueDate: { $lt: today(ctx) } };
      if (input.overdue === true) and.push(overdueFilter);
      if (input.overdue === false) and.push({ $nor: [overdueFilter] });
      if (input.issueDateFrom !== undefined) and.push({ issueDate: { $gte: input.issueDateFrom } });
      if (input.issueDateTo !== undefined) and.push({ issueDate: { $lte: input.issueDateTo } });
      if (input.search !== undefined) {
        const prefix = escapeRegExp(input.search);
        const namePrefix = escapeRegExp(input.search.toLowerCase());
        and.push({
          $or: [
            { number: { $regex: `^${prefix}`, $options: 'i' } },
            { customerNameLower: { $regex: `^${namePrefix}` } },
          ],
        });
      }
      if (input.cursor !== undefined) {
        const position = decodeCursor(input.cursor, input.sort, input.direction);
        and.push(afterCursorFilter(input.sort, position, { nullable: NULLABLE_SORT[input.sort] }));
      }
      const order = input.direction === 'asc' ? 1 : -1;
      const docs = await findAll(
        ctx.db.collections.invoices,
        { $and: and },
        { sort: { [input.sort]: order, _id: order }, limit: input.limit + 1 },
      );
      const page = docs.slice(0, input.limit);
      const customers = await liveCustomers(ctx, page);
      const day = today(ctx);
      return toPage(docs, input.limit, input.sort, input.direction, SORT_VALUE[input.sort], (doc) =>
        toInvoice(doc, {
          today: day,
          liveCustomer: customers.get(doc.customerId.toHexString()) ?? null,
        }),
      );
    }),
});
