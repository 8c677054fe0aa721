import type { ObjectId } from 'mongodb';

/** Fields every business document carries: tenancy and timestamps. */
export interface OrgScoped {
  _id: ObjectId;
  orgId: ObjectId;
  createdAt: Date;
  updatedAt: Date;
}

export interface Actor {
  uid: string;
  email: string | null;
}

export type { Address as PostalAddress } from '@invoice/validators';
