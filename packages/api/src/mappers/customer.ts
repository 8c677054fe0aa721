import type { CustomerDoc } from '@invoice/db';
import type { Customer } from '@invoice/validators';

export function toCustomer(doc: CustomerDoc): Customer {
  return {
    id: doc._id.toHexString(),
    orgId: doc.orgId.toHexString(),
    name: doc.name,
    email: doc.email,
    address: doc.address,
    taxId: doc.taxId,
    currency: doc.currency as Customer['currency'],
    archivedAt: doc.archivedAt,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}
