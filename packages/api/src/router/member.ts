import type { MembershipDoc } from '@invoice/db';
import {
  memberAddInput,
  memberListInput,
  memberListOutput,
  memberRemoveInput,
  memberUpdateRoleInput,
  membershipSchema,
  type Role,
} from '@invoice/validators';
import { ObjectId, type ClientSession, type Filter } from 'mongodb';
import { z } from 'zod';
import type { OrgCallContext } from '../context.js';
import { conflict, notFound, preconditionFailed } from '../domain/errors.js';
import { assertCanManageMember } from '../domain/roles.js';
import { toMembership } from '../mappers/organization.js';
import { auditChange, runOrgMutation } from '../services/org-mutation.js';
import { orgProcedure, router } from '../trpc.js';
import { checkedOutput } from '../output.js';

type MemberCtx = OrgCallContext;

function targetFilter(
  orgId: ObjectId,
  target: { userId?: string | undefined; email?: string | undefined },
): Filter<MembershipDoc> {
  return target.userId !== undefined
    ? { orgId, uid: target.userId }
    : { orgId, email: target.email ?? '' };
}

/**
 * Serializes membership changes of one org: every change bumps the org document in the same
 * transaction, so two concurrent demotions of the last two owners conflict instead of both
 * passing the "at least one owner" check (write skew). Returns the actor's role as of this
 * transaction's snapshot: the role loaded before the transaction may already be stale.
 */
async function lockOrgMembers(ctx: MemberCtx, session: ClientSession): Promise<Role> {
  await ctx.db.collections.organizations.updateOne(
    { _id: ctx.org._id },
    { $inc: { membersVersion: 1 } },
    { session },
  );
  // An operator's membership exists only in memory (operator-access.ts): owner, nothing to re-read.
  if (ctx.operator) return 'owner';
  const actor = await ctx.db.collections.memberships.findOne(
    { _id: ctx.membership._id, status: 'active' },
    { session },
  );
  if (!actor) throw notFound('Organization');
  return actor.role;
}

async function assertOwnerRemains(ctx: MemberCtx, session: ClientSession): Promise<void> {
  const owners = await ctx.db.collections.memberships.countDocuments(
    { orgId: ctx.org._id, role: 'owner', status: 'active' },
    { session },
  );
  if (owners < 1) throw preconditionFailed('An organization must keep at least one owner');
}

type MemberSummary = { role: Role; email: string };

function membership(doc: MembershipDoc): { type: 'membership'; id: ObjectId } {
  return { type: 'membership', id: doc._id };
}

function summary(doc: MembershipDoc): MemberSummary {
  return { role: doc.role, email: doc.email };
}

/** Locks the org's members, re-reads the actor's role and finds the target member, or NOT_FOUND. */
async function lockAndFindTarget(
  ctx: MemberCtx,
  session: ClientSession,
  target: { userId?: string | undefined; email?: string | undefined },
): Promise<{ actorRole: Role; current: MembershipDoc }> {
  const actorRole = await lockOrgMembers(ctx, session);
  const current = await ctx.db.collections.memberships.findOne(targetFilter(ctx.org._id, target), {
    session,
  });
  if (!current) throw notFound('Member');
  return { actorRole, current };
}

export const memberRouter = router({
  list: orgProcedure('viewer')
    .input(memberListInput)
    .output(checkedOutput(memberListOutput))
    .query(async ({ ctx }) => {
      const docs = await ctx.db.collections.memberships
        .find({ orgId: ctx.org._id })
        .sort({ createdAt: 1, _id: 1 })
        .limit(1000)
        .toArray();
      return docs.map(toMembership);
    }),

  /** Invites by email: a pending membership that binds to the first verified sign-in with that email. */
  add: orgProcedure('admin')
    .meta({ sensitive: true })
    .input(memberAddInput)
    .output(checkedOutput(membershipSchema))
    .mutation(({ ctx, input }) =>
      runOrgMutation(ctx, 'member.add', input, async (session) => {
        const actorRole = await lockOrgMembers(ctx, session);
        assertCanManageMember(actorRole, null, input.role);
        const existing = await ctx.db.collections.memberships.findOne(
          { orgId: ctx.org._id, email: input.email },
          { session },
        );
        if (existing) throw conflict('This email is already a member or invited');
        const now = ctx.clock.now();
        const doc: MembershipDoc = {
          _id: new ObjectId(),
          orgId: ctx.org._id,
          uid: null,
          email: input.email,
          role: input.role,
          status: 'pending',
          invitedBy: ctx.user.uid,
          createdAt: now,
          updatedAt: now,
        };
        await ctx.db.collections.memberships.insertOne(doc, { session });
        await auditChange(ctx, session, 'member.add', membership(doc), null, summary(doc));
        return toMembership(doc);
      }),
    ),

  updateRole: orgProcedure('admin')
    .meta({ sensitive: true })
    .input(memberUpdateRoleInput)
    .output(checkedOutput(membershipSchema))
    .mutation(({ ctx, input }) =>
      runOrgMutation(ctx, 'member.updateRole', input, async (session) => {
        const { actorRole, current } = await lockAndFindTarget(ctx, session, input);
        assertCanManageMember(actorRole, current.role, input.role);
        const updated = await ctx.db.collections.memberships.findOneAndUpdate(
          { _id: current._id },
          { $set: { role: input.role, updatedAt: ctx.clock.now() } },
          { session, returnDocument: 'after' },
        );
        if (!updated) throw notFound('Member');
        await assertOwnerRemains(ctx, session);
        await auditChange(
          ctx,
          session,
          'member.updateRole',
          membership(current),
          summary(current),
          summary(updated),
        );
        return toMembership(updated);
      }),
    ),

  remove: orgProcedure('admin')
    .meta({ sensitive: true })
    .input(memberRemoveInput)
    .output(checkedOutput(z.strictObject({ removed: z.literal(true) })))
    .mutation(({ ctx, input }) =>
      runOrgMutation(ctx, 'member.remove', input, async (session) => {
        const { actorRole, current } = await lockAndFindTarget(ctx, session, input);
        assertCanManageMember(actorRole, current.role, null);
        await ctx.db.collections.memberships.deleteOne({ _id: current._id }, { session });
        await assertOwnerRemains(ctx, session);
        await auditChange(
          ctx,
          session,
          'member.remove',
          membership(current),
          summary(current),
          null,
        );
        return { removed: true as const };
      }),
    ),
});
