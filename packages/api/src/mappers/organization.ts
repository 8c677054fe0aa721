import type { MembershipDoc, OrganizationDoc } from '@invoice/db';
import type { Membership, Organization } from '@invoice/validators';

export function toOrganization(doc: OrganizationDoc): Organization {
  return {
    id: doc._id.toHexString(),
    name: doc.name,
    address: doc.address,
    taxId: doc.taxId,
    currency: doc.currency as Organization['currency'],
    timezone: doc.timezone,
    numbering: doc.numbering,
    paymentTermsDays: doc.paymentTermsDays,
    defaultTaxRates: doc.defaultTaxRates,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

export function toMembership(doc: MembershipDoc): Membership {
  return {
    id: doc._id.toHexString(),
    orgId: doc.orgId.toHexString(),
    userId: doc.uid,
    email: doc.email,
    role: doc.role,
    status: doc.status,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}
