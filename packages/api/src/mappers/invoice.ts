import type { CustomerDoc, InvoiceDoc, PartySnapshot } from '@invoice/db';
import type { Invoice } from '@invoice/validators';
import { isOverdueOn } from '../domain/dates.js';

export interface InvoiceView {
  /** Today's calendar date in the org's timezone, for the derived `overdue`. */
  today: string;
  /** The live customer, shown while the invoice is a draft; issued invoices show their snapshot. */
  liveCustomer: CustomerDoc | null;
}

function draftCustomer(doc: InvoiceDoc, live: CustomerDoc | null): PartySnapshot {
  if (live) return { name: live.name, email: live.email, address: live.address, taxId: live.taxId };
  return { name: doc.customerName, email: null, address: null, taxId: null };
}

export function toInvoice(doc: InvoiceDoc, view: InvoiceView): Invoice {
  return {
    id: doc._id.toHexString(),
    orgId: doc.orgId.toHexString(),
    number: doc.number,
    status: doc.status,
    currency: doc.currency as Invoice['currency'],
    customerId: doc.customerId.toHexString(),
    customer: doc.customerSnapshot ?? draftCustomer(doc, view.liveCustomer),
    seller: doc.sellerSnapshot,
    lines: doc.lines.map((line) => ({
      description: line.description,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      discount: line.discount,
      taxRates: line.taxRates,
      amount: line.amount,
      discountAmount: line.discountAmount,
      invoiceDiscountAmount: line.invoiceDiscountAmount,
      taxableAmount: line.taxableAmount,
    })),
    discount: doc.discount,
    subtotal: doc.subtotal,
    discountTotal: doc.discountTotal,
    taxes: doc.taxes.map((t) => ({
      rate: t.rate,
      taxableAmount: t.taxableAmount,
      amount: t.amount,
    })),
    taxTotal: doc.taxTotal,
    total: doc.total,
    amountPaid: doc.amountPaid,
    amountCredited: doc.amountCredited,
    amountDue: doc.amountDue,
    overdue: isOverdueOn(doc, view.today),
    issueDate: doc.issueDate,
    dueDate: doc.dueDate,
    roundingRule: doc.roundingRule as Invoice['roundingRule'],
    notes: doc.notes,
    metadata: doc.metadata,
    issuedAt: doc.issuedAt,
    paidAt: doc.paidAt,
    voidedAt: doc.voidedAt,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}
