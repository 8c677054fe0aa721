import type { CreditNoteDoc } from '@invoice/db';
import type { CreditNote } from '@invoice/validators';

export function toCreditNote(doc: CreditNoteDoc): CreditNote {
  return {
    id: doc._id.toHexString(),
    orgId: doc.orgId.toHexString(),
    invoiceId: doc.invoiceId.toHexString(),
    number: doc.number,
    currency: doc.currency as CreditNote['currency'],
    reason: doc.reason,
    lines: doc.lines.map((line) => ({
      description: line.description,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      taxRates: line.taxRates,
      amount: line.amount,
      taxableAmount: line.taxableAmount,
    })),
    subtotal: doc.subtotal,
    taxes: doc.taxes.map((t) => ({
      rate: t.rate,
      taxableAmount: t.taxableAmount,
      amount: t.amount,
    })),
    taxTotal: doc.taxTotal,
    total: doc.total,
    roundingRule: doc.roundingRule as CreditNote['roundingRule'],
    issueDate: doc.issueDate,
    createdAt: doc.createdAt,
  };
}
