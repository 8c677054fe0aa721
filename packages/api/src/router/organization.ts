import type { OrganizationDoc } from '@invoice/db';
import {
  completeNumbering,
  DEFAULT_PAYMENT_TERMS_DAYS,
  numberingSchema,
  organizationByIdInput,
  organizationCreateInput,
  organizationListOutput,
  organizationSchema,
  organizationUpdateInput,
  type OrganizationUpdateInput,
} from '@invoice/validators';
import { ObjectId } from 'mongodb';
import { badRequest } from '../domain/errors.js';
import { toOrganization } from '../mappers/organization.js';
import { recordAudit } from '../services/audit.js';
import { runIdempotent } from '../services/idempotency.js';
import { auditChange, runOrgMutation } from '../services/org-mutation.js';
import { bindPendingInvites } from '../services/membership-lookup.js';
import { continueSeriesAfterResetChange } from '../services/numbering-change.js';
import { authedProcedure, orgProcedure, router } from '../trpc.js';
import { checkedOutput } from '../output.js';

export const organizationRouter = router({
  /** Any signed-in user may create an organization and becomes its owner. */
  create: authedProcedure
    .input(organizationCreateInput)
    .output(checkedOutput(organizationSchema))
    .mutation(({ ctx, input }) => {
      const now = ctx.clock.now();
      return runIdempotent({
        db: ctx.db,
        scope: `user:${ctx.user.uid}`,
        procedure: 'organization.create',
        key: input.idempotencyKey,
        input,
        now,
        work: async (session) => {
          const org: OrganizationDoc = {
            _id: new ObjectId(),
            name: input.name,
            address: null,
            taxId: null,
            currency: input.currency,
            timezone: input.timezone,
            numbering: input.numbering ?? numberingSchema.parse({}),
            paymentTermsDays: DEFAULT_PAYMENT_TERMS_DAYS,
            defaultTaxRates: [],
            createdBy: ctx.user.uid,
            createdAt: now,
            updatedAt: now,
          };
          await ctx.db.collections.organizations.insertOne(org, { session });
          const membershipId = new ObjectId();
          await ctx.db.collections.memberships.insertOne(
            {
              _id: membershipId,
              orgId: org._id,
              uid: ctx.user.uid,
              email: (ctx.user.email ?? `${ctx.user.uid}@users.invalid`).toLowerCase(),
              role: 'owner',
              status: 'active',
              invitedBy: ctx.user.uid,
              createdAt: now,
              updatedAt: now,
            },
            { session },
          );
          await recordAudit(
            ctx.db,
            {
              orgId: org._id,
              actor: ctx.user,
              action: 'organization.create',
              entity: { type: 'organization', id: org._id },
              after: { name: org.name, currency: org.currency, timezone: org.timezone },
              at: now,
              requestId: ctx.requestId,
            },
            { session },
          );
          return toOrganization(org);
        },
      });
    }),

  /** The organizations the caller belongs to, with the caller's role. Binds verified pending invites first. */
  list: authedProcedure.output(checkedOutput(organizationListOutput)).query(async ({ ctx }) => {
    await bindPendingInvites(ctx.db, ctx.user, ctx.clock.now(), { requestId: ctx.requestId });
    const memberships = await ctx.db.collections.memberships
      .find({ uid: ctx.user.uid, status: 'active' })
      .limit(1000)
      .toArray();
    const orgs = await ctx.db.collections.organizations
      .find({ _id: { $in: memberships.map((m) => m.orgId) } })
      .toArray();
    const roleByOrg = new Map(memberships.map((m) => [m.orgId.toHexString(), m.role]));
    return orgs
      .map((org) => ({
        ...toOrganization(org),
        role: roleByOrg.get(org._id.toHexString()) ?? 'viewer',
      }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }),

  byId: orgProcedure('viewer')
    .input(organizationByIdInput)
    .output(checkedOutput(organizationSchema))
    .query(({ ctx }) => toOrganization(ctx.org)),

  update: orgProcedure('admin')
    .input(organizationUpdateInput)
    .output(checkedOutput(organizationSchema))
    .mutation(({ ctx, input }) => {
      const now = ctx.clock.now();
      const { orgId: _orgId, idempotencyKey: _key, ...changes } = input;
      const set: Partial<OrganizationDoc> = { updatedAt: now };
      if (changes.name !== undefined) set.name = changes.name;
      if (changes.address !== undefined) set.address = changes.address;
      if (changes.taxId !== undefined) set.taxId = changes.taxId;
      if (changes.currency !== undefined) set.currency = changes.currency;
      if (changes.timezone !== undefined) set.timezone = changes.timezone;
      if (changes.paymentTermsDays !== undefined) set.paymentTermsDays = changes.paymentTermsDays;
      if (changes.defaultTaxRates !== undefined) set.defaultTaxRates = changes.defaultTaxRates;
      return runOrgMutation(ctx, 'organization.update', input, async (session) => {
        const before = await ctx.db.collections.organizations.findOne(
          { _id: ctx.org._id },
          { session },
        );
        if (!before) throw new Error('organization vanished during update');
        // A field of the numbering left out keeps its stored value (read in this transaction).
        if (changes.numbering !== undefined) {
          set.numbering = mergedNumbering(before.numbering, changes.numbering);
        }
        const after = await ctx.db.collections.organizations.findOneAndUpdate(
          { _id: ctx.org._id },
          { $set: set },
          { session, returnDocument: 'after' },
        );
        if (!after) throw new Error('organization vanished during update');
        await continueSeriesAfterResetChange(ctx, before, after, session);
        await auditChange(
          ctx,
          session,
          'organization.update',
          { type: 'organization', id: ctx.org._id },
          pick(before, Object.keys(changes)),
          pick(after, Object.keys(changes)),
        );
        return toOrganization(after);
      });
    }),
});

function mergedNumbering(
  stored: OrganizationDoc['numbering'],
  patch: NonNullable<OrganizationUpdateInput['numbering']>,
): OrganizationDoc['numbering'] {
  const merged = completeNumbering.safeParse({ ...stored, ...patch });
  if (!merged.success) {
    const issue = merged.error.issues[0];
    throw badRequest(issue?.message ?? 'Invalid numbering', {
      field: ['numbering', ...(issue?.path ?? [])].join('.'),
    });
  }
  return merged.data;
}

function pick(doc: OrganizationDoc, keys: string[]): Record<string, unknown> {
  const source = doc as unknown as Record<string, unknown>;
  return Object.fromEntries(keys.map((key) => [key, source[key] ?? null]));
}
