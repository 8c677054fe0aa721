import type { ObjectId } from 'mongodb';
import type { IndexDefinition } from './index-spec.js';
import type { InvoiceLineDoc, TaxLineDoc } from './invoices.js';
import type { OrgScoped } from './types.js';

export interface CreditNoteDoc extends OrgScoped {
  invoiceId: ObjectId;
  number: string;
  sequence: number;
  currency: string;
  issueDate: string;
  reason: string;
  lines: InvoiceLineDoc[];
  subtotal: number;
  taxTotal: number;
  taxes: TaxLineDoc[];
  total: number;
  createdBy: string;
}

export const creditNoteIndexes: IndexDefinition[] = [
  { name: 'org_number_unique', key: { orgId: 1, number: 1 }, options: { unique: true } },
  { name: 'org_invoice', key: { orgId: 1, invoiceId: 1 } },
  { name: 'org_created', key: { orgId: 1, createdAt: -1, _id: -1 } },
];
