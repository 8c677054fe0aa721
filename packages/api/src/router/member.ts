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
import type { AuthUser, Context, OrgContext } from '../context.js';
import { conflict, notFound, preconditionFailed } from '../domain/errors.js';
import { assertCanManageMember } from '../domain/roles.js';
import { toMembership } from '../mappers/organization.js';
import { recordAudit } from '../services/audit.js';
import { runIdempotent } from '../services/idempotency.js';
import { orgProcedure, router } from '../trpc.js';

type MemberCtx = Context & OrgContext & { user: AuthUser };

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

async function audit(
  ctx: MemberCtx,
  session: ClientSession,
  action: string,
  id: ObjectId,
  before: { role: Role; email: string } | null,
  after: { role: Role; email: string } | null,
): Promise<void> {
  await recordAudit(
    ctx.db,
    {
      orgId: ctx.org._id,
      actor: ctx.user,
      action,
      entity: { type: 'membership', id },
      before,
      after,
      at: ctx.clock.now(),
      requestId: ctx.requestId,
    },
    { session },
  );
}

export const memberRouter = router({
  list: orgProcedure('viewer')
    .input(memberListInput)
    .output(memberListOutput)
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
    .output(membershipSchema)
    .mutation(({ ctx, input }) => {
      const now = ctx.clock.now();
      return runIdempotent({
        db: ctx.db,
        scope: ctx.org._id.toHexString(),
        procedure: 'member.add',
        key: input.idempotencyKey,
        input,
        now,
        work: async (session) => {
          const actorRole = await lockOrgMembers(ctx, session);
          assertCanManageMember(actorRole, null, input.role);
          const existing = await ctx.db.collections.memberships.findOne(
            { orgId: ctx.org._id, email: input.email },
            { session },
          );
          if (existing) throw conflict('This email is already a member or invited');
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
          await audit(ctx, session, 'member.add', doc._id, null, {
            role: doc.role,
            email: doc.email,
          });
          return toMembership(doc);
        },
      });
    }),

  updateRole: orgProcedure('admin')
    .meta({ sensitive: true })
    .input(memberUpdateRoleInput)
    .output(membershipSchema)
    .mutation(({ ctx, input }) => {
      const now = ctx.clock.now();
      return runIdempotent({
        db: ctx.db,
        scope: ctx.org._id.toHexString(),
        procedure: 'member.updateRole',
        key: input.idempotencyKey,
        input,
        now,
        work: async (session) => {
          const actorRole = await lockOrgMembers(ctx, session);
          const current = await ctx.db.collections.memberships.findOne(
            targetFilter(ctx.org._id, input),
            { session },
          );
          if (!current) throw notFound('Member');
          assertCanManageMember(actorRole, current.role, input.role);
          const updated = await ctx.db.collections.memberships.findOneAndUpdate(
            { _id: current._id },
            { $set: { role: input.role, updatedAt: now } },
            { session, returnDocument: 'after' },
          );
          if (!updated) throw notFound('Member');
          await assertOwnerRemains(ctx, session);
          await audit(
            ctx,
            session,
            'member.updateRole',
            current._id,
            { role: current.role, email: current.email },
            { role: updated.role, email: updated.email },
          );
          return toMembership(updated);
        },
      });
    }),

  remove: orgProcedure('admin')
    .meta({ sensitive: true })
    .input(memberRemoveInput)
    .output(z.strictObject({ removed: z.literal(true) }))
    .mutation(({ ctx, input }) => {
      const now = ctx.clock.now();
      return runIdempotent({
        db: ctx.db,
        scope: ctx.org._id.toHexString(),
        procedure: 'member.remove',
        key: input.idempotencyKey,
        input,
        now,
        work: async (session) => {
          const actorRole = await lockOrgMembers(ctx, session);
          const current = await ctx.db.collections.memberships.findOne(
            targetFilter(ctx.org._id, input),
            { session },
          );
          if (!current) throw notFound('Member');
          assertCanManageMember(actorRole, current.role, null);
          await ctx.db.collections.memberships.deleteOne({ _id: current._id }, { session });
          await assertOwnerRemains(ctx, session);
          await audit(
            ctx,
            session,
            'member.remove',
            current._id,
            { role: current.role, email: current.email },
            null,
          );
          return { removed: true as const };
        },
      });
    }),
});
