import type { Role } from '@invoice/validators';
import type { ObjectId } from 'mongodb';
import type { IndexDefinition } from './index-spec.js';

/**
 * A user's role in one organization. `uid` is null while the membership is a pending
 * invite; it binds to the first user who signs in with `email` verified.
 */
export interface MembershipDoc {
  _id: ObjectId;
  orgId: ObjectId;
  uid: string | null;
  /** Lower-cased. */
  email: string;
  role: Role;
  status: 'active' | 'pending';
  invitedBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export const membershipIndexes: IndexDefinition[] = [
  {
    name: 'org_uid_unique',
    key: { orgId: 1, uid: 1 },
    options: { unique: true, partialFilterExpression: { uid: { $type: 'string' } } },
  },
  { name: 'org_email_unique', key: { orgId: 1, email: 1 }, options: { unique: true } },
  { name: 'uid_lookup', key: { uid: 1 } },
  { name: 'pending_email_lookup', key: { email: 1, status: 1 } },
];
