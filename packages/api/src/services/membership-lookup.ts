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

/**
 * The caller's active membership of `orgId` and the organization, read live on every call
 * (never cached: a removed member is refused on the very next request, on any instance).
 * Both reads are keyed by `orgId` alone, so they go to the database together: one round trip
 * of latency instead of two. The organization is used only when the membership exists.
 */
export async function findActiveMembership(
  db: Database,
  orgId: ObjectId,
  user: AuthUser,
  now: Date,
): Promise<{ membership: MembershipDoc; org: OrganizationDoc } | null> {
  const active = { orgId, uid: user.uid, status: 'active' } as const;
  const [found, org] = await Promise.all([
    db.collections.memberships.findOne(active),
    db.collections.organizations.findOne({ _id: orgId }),
  ]);
  let membership = found;
  if (!membership && (await bindPendingInvites(db, user, now, orgId)) > 0) {
    membership = await db.collections.memberships.findOne(active);
  }
  if (!membership) return null;
  return org ? { membership, org } : null;
}
