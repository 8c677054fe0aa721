import type { Database, MembershipDoc, OrganizationDoc } from '@invoice/db';
import type { ObjectId } from 'mongodb';
import type { AuthUser } from '../context.js';

/**
 * Binds pending invites addressed to the user's email — only when Firebase says the email
 * is verified, so nobody claims an invite with an address they do not control.
 */
export async function bindPendingInvites(
  db: Database,
  user: AuthUser,
  now: Date,
  orgId?: ObjectId,
): Promise<number> {
  if (!user.emailVerified || !user.email) return 0;
  const result = await db.collections.memberships.updateMany(
    { email: user.email.toLowerCase(), status: 'pending', uid: null, ...(orgId ? { orgId } : {}) },
    { $set: { uid: user.uid, status: 'active', updatedAt: now } },
  );
  return result.modifiedCount;
}

export async function findActiveMembership(
  db: Database,
  orgId: ObjectId,
  user: AuthUser,
  now: Date,
): Promise<{ membership: MembershipDoc; org: OrganizationDoc } | null> {
  let membership = await db.collections.memberships.findOne({
    orgId,
    uid: user.uid,
    status: 'active',
  });
  if (!membership && (await bindPendingInvites(db, user, now, orgId)) > 0) {
    membership = await db.collections.memberships.findOne({
      orgId,
      uid: user.uid,
      status: 'active',
    });
  }
  if (!membership) return null;
  const org = await db.collections.organizations.findOne({ _id: orgId });
  return org ? { membership, org } : null;
}
