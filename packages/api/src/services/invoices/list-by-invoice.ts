import type { Collection, Document, Filter, ObjectId } from 'mongodb';
import { findAll } from '@invoice/db';
import { afterCursorFilter, decodeCursor, toPage, type Page } from '../cursor.js';
import { loadInvoice } from './load.js';
import type { OrgCallContext } from '../../context.js';

interface InvoiceChild {
  _id: ObjectId;
  orgId: ObjectId;
  invoiceId: ObjectId;
  createdAt: Date;
}

/**
 * Documents that belong to invoices (payments, credit notes) of the org, or of one of its
 * invoices, newest first. A foreign or unknown invoiceId is NOT_FOUND, as everywhere else.
 */
export async function listByInvoice<D extends InvoiceChild, T>(
  ctx: OrgCallContext,
  collection: Collection<D>,
  input: { invoiceId?: string | undefined; limit: number; cursor?: string | undefined },
  map: (doc: D) => T,
): Promise<Page<T>> {
  const and: Filter<Document>[] = [{ orgId: ctx.org._id }];
  if (input.invoiceId !== undefined) {
    const invoice = await loadInvoice(ctx, input.invoiceId);
    and.push({ invoiceId: invoice._id });
  }
  if (input.cursor !== undefined) {
    and.push(
      afterCursorFilter('createdAt', decodeCursor(input.cursor, 'createdAt', 'desc'), {
        nullable: false,
      }),
    );
  }
  const docs = await findAll(
    collection,
    { $and: and },
    {
      sort: { createdAt: -1, _id: -1 },
      limit: input.limit + 1,
    },
  );
  return toPage(docs, input.limit, 'createdAt', 'desc', (d) => d.createdAt, map);
}
