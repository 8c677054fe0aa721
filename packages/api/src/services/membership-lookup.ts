import { aggregateAll, type Database, type MembershipDoc, type OrganizationDoc } from '@invoice/db';
import type { Collection, Document, Filter, ObjectId } from 'mongodb';
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
 * A document an org-scoped procedure needs, read in the same database command as the
 * membership (see `orgSubjectProcedure`). The filter must carry the org's id: the read is
 * part of the access check, so it never reaches another tenant's data.
 */
export interface SubjectQuery<TDoc extends Document> {
  collection: Collection<TDoc>;
  filter: Filter<TDoc>;
}

export interface OrgAccess<TDoc = never> {
  membership: MembershipDoc;
  org: OrganizationDoc;
  /** The subject's document, null when it does not exist (in this org). */
  subject: TDoc | null;
}

/** One row of the access pipeline: the membership, with the org and subject looked up. */
type AccessRow = MembershipDoc & { _org: OrganizationDoc[]; _subject?: Document[] };

/**
 * Membership, organization and (optionally) the subject document in ONE aggregate: the
 * membership's `$match` on the unique (orgId, uid) index, then two uncorrelated `$lookup`s by
 * primary key. No membership → no row, and the other two are never read.
 */
function accessPipeline(
  orgId: ObjectId,
  uid: string,
  subject?: SubjectQuery<Document>,
): Document[] {
  const lookup = (from: string, match: Document, as: string): Document => ({
    $lookup: { from, pipeline: [{ $match: match }, { $limit: 1 }], as },
  });
  return [
    { $match: { orgId, uid, status: 'active' } },
    { $limit: 1 },
    lookup('organizations', { _id: orgId }, '_org'),
    ...(subject ? [lookup(subject.collection.collectionName, subject.filter, '_subject')] : []),
  ];
}

async function readAccess<TDoc extends Document>(
  db: Database,
  orgId: ObjectId,
  uid: string,
  subject?: SubjectQuery<TDoc>,
): Promise<OrgAccess<TDoc> | null | undefined> {
  const [row] = await aggregateAll<AccessRow, MembershipDoc>(
    db.collections.memberships,
    accessPipeline(orgId, uid, subject as SubjectQuery<Document> | undefined),
  );
  if (!row) return undefined;
  const {
    _org: [org],
    _subject: [found] = [],
    ...membership
  } = row;
  if (!org) return null;
  return { membership, org, subject: (found as TDoc | undefined) ?? null };
}

/**
 * The caller's active membership of `orgId`, the organization and, when asked, the subject
 * document, read live on every call (never cached: a removed member is refused on the very
 * next request, on any instance) in one round trip. Null when the caller is not an active
 * member (after binding a pending invite to their verified email) or the org does not exist.
 */
export async function findActiveMembership<TDoc extends Document = never>(
  db: Database,
  orgId: ObjectId,
  user: AuthUser,
  now: Date,
  subject?: SubjectQuery<TDoc>,
): Promise<OrgAccess<TDoc> | null> {
  const found = await readAccess(db, orgId, user.uid, subject);
  if (found !== undefined) return found;
  if ((await bindPendingInvites(db, user, now, orgId)) === 0) return null;
  return (await readAccess(db, orgId, user.uid, subject)) ?? null;
}
