import type { Numbering } from '@invoice/validators';
import type { ObjectId } from 'mongodb';
import type { IndexDefinition } from './index-spec.js';
import type { PostalAddress } from './types.js';

export interface OrganizationDoc {
  _id: ObjectId;
  name: string;
  address: PostalAddress | null;
  taxId: string | null;
  currency: string;
  timezone: string;
  numbering: Numbering;
  paymentTermsDays: number;
  /** Basis points: 2000 = 20 %. */
  defaultTaxRates: number[];
  createdBy: string;
  /** Bumped by every membership change, so concurrent changes of one org conflict (see member router). */
  membersVersion?: number;
  createdAt: Date;
  updatedAt: Date;
}

export const organizationIndexes: IndexDefinition[] = [];
