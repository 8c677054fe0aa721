import type { Discount, InvoiceStatus } from '@invoice/validators';
import type { ObjectId } from 'mongodb';
import type { IndexDefinition } from './index-spec.js';
import type { OrgScoped, PostalAddress } from './types.js';

/**
 * A computed line, stored exactly as printed (the shape of `invoiceLineSchema`). The quantity has
 * at most 3 decimals (validated); the money math converts it to exact thousandths.
 */
export interface InvoiceLineDoc {
  description: string;
  quantity: number;
  unitPrice: number;
  discount: Discount | null;
  /** Resolved rates in basis points: the org's defaults were applied when the input had none. */
  taxRates: number[];
  /** quantity × unitPrice, rounded once. */
  amount: number;
  discountAmount: number;
  /** Share of the invoice-level discount spread onto this line. */
  invoiceDiscountAmount: number;
  /** amount − discountAmount − invoiceDiscountAmount: the line's tax base. */
  taxableAmount: number;
}

export interface TaxLineDoc {
  rate: number;
  taxableAmount: number;
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
  voidReason: string | null;
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
