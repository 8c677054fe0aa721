import type { PaymentMethod } from '@invoice/validators';
import type { ObjectId } from 'mongodb';
import type { IndexDefinition } from './index-spec.js';
import type { OrgScoped } from './types.js';

export interface PaymentDoc extends OrgScoped {
  invoiceId: ObjectId;
  amount: number;
  currency: string;
  date: string;
  method: PaymentMethod;
  reference: string | null;
  /** Only `recorded` payments count towards the invoice's amountPaid. */
  status: 'recorded' | 'voided';
  voidedAt: Date | null;
  voidReason: string | null;
  createdBy: string;
}

export const paymentIndexes: IndexDefinition[] = [
  { name: 'org_invoice', key: { orgId: 1, invoiceId: 1, createdAt: 1 } },
  { name: 'org_created', key: { orgId: 1, createdAt: -1, _id: -1 } },
];
