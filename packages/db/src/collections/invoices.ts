import type { Discount, InvoiceStatus } from '@invoice/validators';
import type { ObjectId } from 'mongodb';
import type { IndexDefinition } from './index-spec.js';
import type { OrgScoped, PostalAddress } from './types.js';

export interface InvoiceLineDoc {
  description: string;
  /** Quantity in thousandths (1.5 → 1500), so arithmetic stays integral. */
  quantityMilli: number;
  unitPrice: number;
  discount: Discount | null;
  taxRates: number[];
  /** Computed at save: quantity × unit price, minus line discount, before invoice discount. */
  net: number;
  /** Share of the invoice-level discount spread onto this line. */
  invoiceDiscountShare: number;
}

export interface TaxLineDoc {
  rate: number;
  taxable: number;
  amount: number;
}

export interface PartySnapshot {
  name: string;
  email: string | null;
  address: PostalAddress | null;
  taxId: string | null;
}

export interface InvoiceDoc extends OrgScoped {
  customerId: ObjectId;
  /** Denormalized for search; frozen at issue together with the snapshot. */
  customerName: string;
  customerNameLower: string;
  status: InvoiceStatus;
  /** Null until issued. */
  number: string | null;
  sequence: number | null;
  currency: string;
  issueDate: string | null;
  dueDate: string | null;
  lines: InvoiceLineDoc[];
  discount: Discount | null;
  subtotal: number;
  discountTotal: number;
  taxTotal: number;
  taxes: TaxLineDoc[];
  total: number;
  amountPaid: number;
  amountCredited: number;
  amountDue: number;
  roundingRule: string;
  notes: string | null;
  metadata: Record<string, string>;
  customerSnapshot: PartySnapshot | null;
  sellerSnapshot: PartySnapshot | null;
  issuedAt: Date | null;
  voidedAt: Date | null;
  paidAt: Date | null;
  createdBy: string;
}

export const invoiceIndexes: IndexDefinition[] = [
  // Backs gapless numbering: one number per org, drafts (number null) excluded.
  {
    name: 'org_number_unique',
    key: { orgId: 1, number: 1 },
    options: { unique: true, partialFilterExpression: { number: { $type: 'string' } } },
  },
  { name: 'org_created', key: { orgId: 1, createdAt: -1, _id: -1 } },
  { name: 'org_status_due', key: { orgId: 1, status: 1, dueDate: 1 } },
  { name: 'org_customer', key: { orgId: 1, customerId: 1, createdAt: -1 } },
  { name: 'org_issue_date', key: { orgId: 1, issueDate: 1 } },
  { name: 'org_customer_name', key: { orgId: 1, customerNameLower: 1 } },
];
