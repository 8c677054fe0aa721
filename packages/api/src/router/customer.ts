import { findAll, type CustomerDoc } from '@invoice/db';
import {
  customerArchiveInput,
  customerByIdInput,
  customerCreateInput,
  customerListInput,
  customerListOutput,
  customerSchema,
  customerUpdateInput,
} from '@invoice/validators';
import { ObjectId, type ClientSession, type Filter } from 'mongodb';
import type { OrgCallContext } from '../context.js';
import { notFound, preconditionFailed } from '../domain/errors.js';
import { toCustomer } from '../mappers/customer.js';
import { afterCursorFilter, decodeCursor, toPage } from '../services/cursor.js';
import { auditChange, runOrgMutation } from '../services/org-mutation.js';
import { escapeRegExp } from '../services/regex.js';
import { orgProcedure, router } from '../trpc.js';
import { checkedOutput } from '../output.js';

type CustomerCtx = OrgCallContext;

/** The few fields an audit entry shows about a customer. */
function summary(doc: CustomerDoc): Record<string, unknown> {
  return {
    name: doc.name,
    email: doc.email,
    taxId: doc.taxId,
    currency: doc.currency,
    archived: doc.archivedAt !== null,
  };
}

async function audit(
  ctx: CustomerCtx,
  session: ClientSession,
  action: string,
  before: CustomerDoc | null,
  after: CustomerDoc,
): Promise<void> {
  await auditChange(
    ctx,
    session,
    action,
    { type: 'customer', id: after._id },
    before ? summary(before) : null,
    summary(after),
  );
}

async function loadCustomer(
  ctx: CustomerCtx,
  customerId: string,
  session?: ClientSession,
): Promise<CustomerDoc> {
  const doc = await ctx.db.collections.customers.findOne(
    { _id: new ObjectId(customerId), orgId: ctx.org._id },
    session ? { session } : {},
  );
  if (!doc) throw notFound('Customer');
  return doc;
}

export const customerRouter = router({
  create: orgProcedure('accountant')
    .input(customerCreateInput)
    .output(checkedOutput(customerSchema))
    .mutation(({ ctx, input }) => {
      const now = ctx.clock.now();
      return runOrgMutation(ctx, 'customer.create', input, async (session) => {
        const doc: CustomerDoc = {
          _id: new ObjectId(),
          orgId: ctx.org._id,
          name: input.name,
          nameLower: input.name.toLowerCase(),
          email: input.email ?? null,
          address: input.address ?? null,
          taxId: input.taxId ?? null,
          currency: input.currency ?? null,
          archivedAt: null,
          createdAt: now,
          updatedAt: now,
        };
        await ctx.db.collections.customers.insertOne(doc, { session });
        await audit(ctx, session, 'customer.create', null, doc);
        return toCustomer(doc);
      });
    }),

  /** Archived customers are read-only: their history stays as it was when archived. */
  update: orgProcedure('accountant')
    .input(customerUpdateInput)
    .output(checkedOutput(customerSchema))
    .mutation(({ ctx, input }) => {
      const now = ctx.clock.now();
      const set: Partial<CustomerDoc> = { updatedAt: now };
      if (input.name !== undefined) {
        set.name = input.name;
        set.nameLower = input.name.toLowerCase();
      }
      if (input.email !== undefined) set.email = input.email;
      if (input.address !== undefined) set.address = input.address;
      if (input.taxId !== undefined) set.taxId = input.taxId;
      if (input.currency !== undefined) set.currency = input.currency;
      return runOrgMutation(ctx, 'customer.update', input, async (session) => {
        const before = await loadCustomer(ctx, input.customerId, session);
        if (before.archivedAt !== null) {
          throw preconditionFailed('This customer is archived and can no longer be edited', {
            archived: true,
          });
        }
        const after = await ctx.db.collections.customers.findOneAndUpdate(
          { _id: before._id, orgId: ctx.org._id },
          { $set: set },
          { session, returnDocument: 'after' },
        );
        if (!after) throw notFound('Customer');
        if (after.name !== before.name) {
          // Drafts show the customer live and invoice.list searches their copy of its name, so
          // that copy follows a rename; issued invoices keep the name frozen at issue.
          await ctx.db.collections.invoices.updateMany(
            { orgId: ctx.org._id, customerId: after._id, status: 'draft' },
            { $set: { customerName: after.name, customerNameLower: after.nameLower } },
            { session },
          );
        }
        await audit(ctx, session, 'customer.update', before, after);
        return toCustomer(after);
      });
    }),

  byId: orgProcedure('viewer')
    .input(customerByIdInput)
    .output(checkedOutput(customerSchema))
    .query(async ({ ctx, input }) => toCustomer(await loadCustomer(ctx, input.customerId))),

  /**
   * Sorted by name (case-insensitive) or creation time, `_id` breaking ties. `search` matches
   * a name prefix (case-insensitive, regex-escaped and anchored so it can use the index) or an
   * exact email.
   */
  list: orgProcedure('viewer')
    .input(customerListInput)
    .output(checkedOutput(customerListOutput))
    .query(async ({ ctx, input }) => {
      const field = input.sort === 'name' ? 'nameLower' : 'createdAt';
      const clauses: Filter<CustomerDoc>[] = [{ orgId: ctx.org._id }];
      if (!input.includeArchived) clauses.push({ archivedAt: null });
      if (input.search !== undefined) {
        const term = input.search.toLowerCase();
        clauses.push({
          $or: [{ nameLower: { $regex: `^${escapeRegExp(term)}` } }, { email: term }],
        });
      }
      if (input.cursor !== undefined) {
        const position = decodeCursor(input.cursor, field, input.direction);
        clauses.push(afterCursorFilter(field, position, { nullable: false }));
      }
      const order = input.direction === 'asc' ? 1 : -1;
      const docs = await findAll(
        ctx.db.collections.customers,
        { $and: clauses },
        { sort: { [field]: order, _id: order }, limit: input.limit + 1 },
      );
      return toPage(
        docs,
        input.limit,
        field,
        input.direction,
        (doc) => (field === 'createdAt' ? doc.createdAt : doc.nameLower),
        toCustomer,
      );
    }),

  /** Hides the customer from lists and new invoices; issued invoices keep their snapshot. */
  archive: orgProcedure('accountant')
    .input(customerArchiveInput)
    .output(checkedOutput(customerSchema))
    .mutation(({ ctx, input }) => {
      const now = ctx.clock.now();
      return runOrgMutation(ctx, 'customer.archive', input, async (session) => {
        const before = await loadCustomer(ctx, input.customerId, session);
        // Archiving twice changes nothing and writes no second audit event.
        if (before.archivedAt !== null) return toCustomer(before);
        const after = await ctx.db.collections.customers.findOneAndUpdate(
          { _id: before._id, orgId: ctx.org._id },
          { $set: { archivedAt: now, updatedAt: now } },
          { session, returnDocument: 'after' },
        );
        if (!after) throw notFound('Customer');
        await audit(ctx, session, 'customer.archive', before, after);
        return toCustomer(after);
      });
    }),
});
