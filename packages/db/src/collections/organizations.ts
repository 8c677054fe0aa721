import type { Numbering } from '@invoice/validators';
import type { ObjectId } from 'mongodb';
import type { IndexDefinition } from './index-spec.js';
import type { PostalAddress } from './types.js';

export interface OrganizationDoc {
  _id: ObjectId;
  name: string;
  legalName: string | null;
  address: PostalAddress | null;
  taxId: string | null;
  email: string | null;
  currency: string;
  timezone: string;
  numbering: Numbering;
  paymentTermsDays: number;
  /** Basis points: 2000 = 20 %. */
  defaultTaxRates: number[];
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export const organizationIndexes: IndexDefinition[] = [];
