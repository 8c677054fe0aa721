import type { Database, MembershipDoc } from '@invoice/db';
import { ObjectId, type Document } from 'mongodb';
import type { OrgAccess, SubjectQuery } from './services/membership-lookup.js';
import type { AuthUser } from './context.js';

/**
 * Who runs an operator command (the CLI's OS user). Only `createOperatorContext` puts one in a
 * context; `createContextInner`, which the HTTP server uses, always leaves it null.
 */
export interface OperatorIdentity {
  name: string;
}

/** The audit actor of an operator: `operator:<name>`, no email. */
export function operatorUser(operator: OperatorIdentity): AuthUser {
  return { uid: `operator:${operator.name}`, email: null, emailVerified: false };
}

/**
 * What `orgProcedure` grants an operator: owner level in any existing organization, through a
 * membership that exists only in memory (never stored, so it never shows in `member.list`).
 */
export async function operatorMembership<TDoc extends Document = never>(
  db: Database,
  orgId: ObjectId,
  user: AuthUser,
  now: Date,
  subject?: SubjectQuery<TDoc>,
): Promise<OrgAccess<TDoc> | null> {
  const org = await db.collections.organizations.findOne({ _id: orgId });
  if (!org) return null;
  const membership: MembershipDoc = {
    _id: new ObjectId(),
    orgId,
    uid: user.uid,
    email: '',
    role: 'owner',
    status: 'active',
    invitedBy: user.uid,
    createdAt: now,
    updatedAt: now,
  };
  const found = subject ? await subject.collection.findOne(subject.filter) : null;
  return { membership, org, subject: (found as TDoc | null) ?? null };
}
