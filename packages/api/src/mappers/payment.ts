import type { PaymentDoc } from '@invoice/db';
import type { Payment } from '@invoice/validators';

export function toPayment(doc: PaymentDoc): Payment {
  return {
    id: doc._id.toHexString(),
    orgId: doc.orgId.toHexString(),
    invoiceId: doc.invoiceId.toHexString(),
    amount: doc.amount,
    currency: doc.currency as Payment['currency'],
    date: doc.date,
    method: doc.method,
    reference: doc.reference,
    status: doc.status,
    voidedAt: doc.voidedAt,
    createdBy: doc.createdBy,
    createdAt: doc.createdAt,
  };
}
