import type { CustomerDoc, OrganizationDoc, PartySnapshot } from '@invoice/db';

/** The customer as printed on an issued invoice; frozen at issue, never refreshed. */
export function customerSnapshot(customer: CustomerDoc): PartySnapshot {
  return {
    name: customer.name,
    email: customer.email,
    address: customer.address,
    taxId: customer.taxId,
  };
}

/** The seller (the organization) as printed on an issued invoice. Organizations carry no email. */
export function sellerSnapshot(org: OrganizationDoc): PartySnapshot {
  return { name: org.name, email: null, address: org.address, taxId: org.taxId };
}
