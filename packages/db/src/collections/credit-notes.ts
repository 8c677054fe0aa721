import type { ObjectId } from 'mongodb';
import type { IndexDefinition } from './index-spec.js';
import type { TaxLineDoc } from './invoices.js';
import type { OrgScoped } from './types.js';

/** A credit note line as printed (the shape of `creditNoteLineSchema`); no discounts. */
export interface CreditNoteLineDoc {
  description: string;
  quantity: number;
  unitPrice: number;
  taxRates: number[];
  amount: number;
  taxableAmount: number;
}

export interface CreditNoteDoc extends OrgScoped {
  invoiceId: ObjectId;
  number: string;
  sequence: number;
  currency: string;
  issueDate: string;
  reason: string;
  /** Empty for an amount-only credit note. */
  lines: CreditNoteLineDoc[];
  subtotal: number;
  taxTotal: number;
  taxes: TaxLineDoc[];
  total: number;
  roundingRule: string;
  createdBy: string;
}

export const creditNoteIndexes: IndexDefinition[] = [
  { name: 'org_number_unique', key: { orgId: 1, number: 1 }, options: { unique: true } },
  { name: 'org_invoice', key: { orgId: 1, invoiceId: 1 } },
  { name: 'org_created', key: { orgId: 1, createdAt: -1, _id: -1 } },
];
