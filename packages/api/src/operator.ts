import type { Database } from '@invoice/db';
import { organizationSchema, storedEmailSchema } from '@invoice/validators';
import type { Logger } from 'pino';
import { z } from 'zod';
import { createContextInner, type Clock, type Context } from './context.js';
import { operatorUser, type OperatorIdentity } from './operator-access.js';
import { appRouter } from './root.js';
import { createCallerFactory, mergeRouters, operatorProcedure, router } from './trpc.js';
import { checkedOutput } from './output.js';

export { operatorUser, type OperatorIdentity } from './operator-access.js';

/** An OS user name as it may appear in an audit actor (`operator:<name>`). */
export const operatorNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'Must be 1-64 letters, digits, ".", "_" or "-"');

export interface OperatorContextOptions {
  db: Database;
  log: Logger;
  /** Who runs the command; audited as `operator:<name>`. */
  name: string;
  clock?: Clock;
  /** Recorded with every audit event of this invocation (e.g. `cli-<uuid>`). */
  requestId?: string | null;
}

/**
 * The context of an operator command: the same procedures, rules and audit as HTTP, with owner
 * level in every organization. Only in-process tools can build one; the HTTP server builds its
 * contexts with `createContextInner`, which always sets `operator: null`.
 */
export function createOperatorContext(options: OperatorContextOptions): Context {
  const operator: OperatorIdentity = { name: operatorNameSchema.parse(options.name) };
  return {
    ...createContextInner({
      db: options.db,
      log: options.log,
      user: operatorUser(operator),
      ...(options.clock ? { clock: options.clock } : {}),
      requestId: options.requestId ?? null,
    }),
    operator,
  };
}

const organizationSummarySchema = organizationSchema
  .pick({ id: true, name: true, currency: true, timezone: true, createdAt: true })
  .extend({
    activeMembers: z.number().int().min(0),
    pendingInvites: z.number().int().min(0),
    owners: z.array(storedEmailSchema),
  });

export const operatorOrganizationListInput = z.strictObject({
  limit: z.number().int().min(1).max(1000).default(100),
});

/** Procedures only operators may call; never part of `appRouter`, so never served over HTTP. */
const operatorOnlyRouter = router({
  operator: router({
    /** Every organization (not only the caller's), oldest first, with member counts and owners. */
    organizationList: operatorProcedure
      .input(operatorOrganizationListInput)
      .output(checkedOutput(z.array(organizationSummarySchema).max(1000)))
      .query(async ({ ctx, input }) => {
        const orgs = await ctx.db.collections.organizations
          .find({})
          .sort({ createdAt: 1, _id: 1 })
          .limit(input.limit)
          .toArray();
        const members = await ctx.db.collections.memberships
          .find({ orgId: { $in: orgs.map((org) => org._id) } })
          .toArray();
        return orgs.map((org) => {
          const mine = members.filter((m) => m.orgId.equals(org._id));
          return {
            id: org._id.toHexString(),
            name: org.name,
            currency: org.currency as z.infer<typeof organizationSchema>['currency'],
            timezone: org.timezone,
            createdAt: org.createdAt,
            activeMembers: mine.filter((m) => m.status === 'active').length,
            pendingInvites: mine.filter((m) => m.status === 'pending').length,
            owners: mine
              .filter((m) => m.role === 'owner' && m.status === 'active')
              .map((m) => m.email),
          };
        });
      }),
  }),
});

/** `appRouter` plus the operator-only procedures, for in-process operator callers. */
export const operatorRouter = mergeRouters(appRouter, operatorOnlyRouter);

export const createOperatorCaller = createCallerFactory(operatorRouter);

export type OperatorOrganizationSummary = z.infer<typeof organizationSummarySchema>;
