import { aggregateAll, type CustomerDoc, type Database, type InvoiceDoc } from '@invoice/db';
import { ObjectId as ObjectIdClass, type ClientSession, type ObjectId } from 'mongodb';
import { notFound, preconditionFailed } from '../../domain/errors.js';

/** An invoice of this org; absent and another org's look the same (NOT_FOUND). */
export async function findInvoice(
  db: Database,
  orgId: ObjectId,
  invoiceId: ObjectId,
  session?: ClientSession,
): Promise<InvoiceDoc> {
  const invoice = await db.collections.invoices.findOne(
    { _id: invoiceId, orgId },
    session ? { session } : {},
  );
  if (!invoice) throw notFound('Invoice');
  return invoice;
}

/**
 * An invoice of this org (NOT_FOUND as `findInvoice`) and its customer, in one command: the
 * customer is looked up by the invoice's `customerId` within the same org (null when it no
 * longer exists there).
 */
export async function findInvoiceWithCustomer(
  db: Database,
  orgId: ObjectId,
  invoiceId: ObjectId,
  session: ClientSession,
): Promise<{ invoice: InvoiceDoc; customer: CustomerDoc | null }> {
  type Row = InvoiceDoc & { _customer: CustomerDoc[] };
  const [row] = await aggregateAll<Row, InvoiceDoc>(
    db.collections.invoices,
    [
      { $match: { _id: invoiceId, orgId } },
      { $limit: 1 },
      {
        $lookup: {
          from: db.collections.customers.collectionName,
          localField: 'customerId',
          foreignField: '_id',
          pipeline: [{ $match: { orgId } }, { $limit: 1 }],
          as: '_customer',
        },
      },
    ],
    { session },
  );
  if (!row) throw notFound('Invoice');
  const {
    _customer: [customer],
    ...invoice
  } = row;
  return { invoice, customer: customer ?? null };
}

/**
 * Archived customers take no new invoices: no draft is created for or moved to one, and no draft
 * of one is issued. Same refusal everywhere, so clients handle one message.
 */
export function assertBillable(customer: CustomerDoc): void {
  if (customer.archivedAt !== null) {
    throw preconditionFailed(
      'The customer is archived; pick another customer (archived customers take no new invoices)',
      {
        customerId: customer._id.toHexString(),
      },
    );
  }
}

/** A customer of this org that new drafts may bill (see `assertBillable`). */
export async function findBillableCustomer(
  db: Database,
  orgId: ObjectId,
  customerId: ObjectId,
  session: ClientSession,
): Promise<CustomerDoc> {
  const customer = await db.collections.customers.findOne({ _id: customerId, orgId }, { session });
  if (!customer) throw notFound('Customer');
  assertBillable(customer);
  return customer;
}

/** `findInvoice` for an id taken from a validated input (24 hex characters). */
export function loadInvoice(
  ctx: { db: Database; org: { _id: ObjectId } },
  invoiceIdHex: string,
  session?: ClientSession,
): Promise<InvoiceDoc> {
  return findInvoice(ctx.db, ctx.org._id, new ObjectIdClass(invoiceIdHex), session);
}
