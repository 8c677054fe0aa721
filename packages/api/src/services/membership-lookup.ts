import {
  aggregateFirstBatch,
  withTransaction,
  type Database,
  type MembershipDoc,
  type OrganizationDoc,
} from '@invoice/db';
import type { Collection, Document, Filter, ObjectId } from 'mongodb';
import type { AuthUser } from '../context.js';
import { recordAudit } from './audit.js';
import { isDuplicateKey } from './duplicate-key.js';

/** At most this many invites are bound per request (one per org; a user rarely has more). */
const MAX_INVITES_BOUND = 100;

export interface BindInvitesOptions {
  /** Only the invite to this org (the org-scoped access check); every org when absent. */
  orgId?: ObjectId | undefined;
  requestId?: string | null | undefined;
}

/**
 * Binds pending invites addressed to the user's email — only when Firebase says the email
 * is verified, so nobody claims an invite with an address they do not control. Each invite is
 * bound in its own transaction together with its audit event (`member.acceptInvite`, by the
 * invitee); an invite removed or bound meanwhile is skipped. An invite to an org the user
 * already belongs to (invited again after their email changed) stays pending for an admin to
 * remove: one membership per user and org, the existing one's role kept. Returns how many
 * were bound.
 */
export async function bindPendingInvites(
  db: Database,
  user: AuthUser,
  now: Date,
  { orgId, requestId = null }: BindInvitesOptions = {},
): Promise<number> {
  if (!user.emailVerified || !user.email) return 0;
  const pendingFilter = { status: 'pending' as const, uid: null };
  const invites = await db.collections.memberships
    .find(
      { email: user.email.toLowerCase(), ...pendingFilter, ...(orgId ? { orgId } : {}) },
      { projection: { _id: 1, orgId: 1 } },
    )
    .limit(MAX_INVITES_BOUND)
    .toArray();
  if (invites.length === 0) return 0;
  const memberOf = new Set(
    (
      await db.collections.memberships
        .find({ uid: user.uid, orgId: { $in: invites.map((i) => i.orgId) } })
        .project<{ orgId: ObjectId }>({ _id: 0, orgId: 1 })
        .toArray()
    ).map((m) => m.orgId.toHexString()),
  );
  let bound = 0;
  for (const { _id, orgId: inviteOrg } of invites) {
    if (memberOf.has(inviteOrg.toHexString())) continue;
    const accepted = await withTransaction(db.client, async (session) => {
      const invite = await db.collections.memberships.findOneAndUpdate(
        { _id, ...pendingFilter },
        { $set: { uid: user.uid, status: 'active', updatedAt: now } },
        { session, returnDocument: 'before' },
      );
      if (!invite) return false;
      await recordAudit(
        db,
        {
          orgId: invite.orgId,
          actor: user,
          action: 'member.acceptInvite',
          entity: { type: 'membership', id: invite._id },
          before: { status: invite.status, role: invite.role, email: invite.email },
          after: { status: 'active', role: invite.role, email: invite.email, userId: user.uid },
          at: now,
          requestId,
        },
        { session },
      );
      return true;
    }).catch((error: unknown) => {
      // The unique (orgId, uid) index: a membership of that org bound meanwhile.
      if (isDuplicateKey(error)) return false;
      throw error;
    });
    if (accepted) bound += 1;
  }
  return bound;
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
 * primary key. No membership → no row, and the other two are never read. Exported for the
 * benchmark of this read (bench/src/access-read.ts).
 */
export function accessPipeline<TDoc extends Document = Document>(
  orgId: ObjectId,
  uid: string,
  subject?: SubjectQuery<TDoc>,
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
  const [row] = await aggregateFirstBatch<AccessRow, MembershipDoc>(
    db.collections.memberships,
    accessPipeline(orgId, uid, subject),
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
  requestId: string | null = null,
): Promise<OrgAccess<TDoc> | null> {
  const found = await readAccess(db, orgId, user.uid, subject);
  if (found !== undefined) return found;
  // Only a caller with no membership pays for binding: the hot path stays one aggregate.
  if ((await bindPendingInvites(db, user, now, { orgId, requestId })) === 0) return null;
  return (await readAccess(db, orgId, user.uid, subject)) ?? null;
}
